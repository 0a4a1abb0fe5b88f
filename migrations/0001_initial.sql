-- The read model of one branch: plain tables rebuilt from the log by `gesal-log reindex`.
-- The log is the truth; these tables are for querying with the sqlite3 shell.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every event of the branch, in order.
CREATE TABLE events (
    sequence    INTEGER PRIMARY KEY,
    time        TEXT NOT NULL,     -- commit time, ISO 8601 UTC
    type        TEXT NOT NULL,     -- e.g. FeedbackRecorded.v1
    interaction INTEGER,           -- the interaction the event is about, if any
    node        INTEGER            -- the node it is about, if any
);
CREATE INDEX events_by_type ON events(type);
CREATE INDEX events_by_interaction ON events(interaction);

CREATE TABLE interactions (
    id              INTEGER PRIMARY KEY,
    sequence        INTEGER NOT NULL REFERENCES events(sequence),
    prompt          TEXT NOT NULL,
    response        TEXT NOT NULL,
    node            INTEGER NOT NULL,
    similarity      REAL NOT NULL,
    adapter         TEXT,            -- the node's adapter blob when it answered (NULL: base model)
    temperature     REAL NOT NULL,
    seed            INTEGER NOT NULL,
    prompt_tokens   INTEGER NOT NULL,
    response_tokens INTEGER NOT NULL
);
CREATE INDEX interactions_by_node ON interactions(node);

CREATE TABLE feedback (
    sequence    INTEGER PRIMARY KEY REFERENCES events(sequence),
    interaction INTEGER NOT NULL REFERENCES interactions(id),
    reward      REAL NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX feedback_by_interaction ON feedback(interaction);

CREATE TABLE nodes (
    id                 INTEGER PRIMARY KEY,
    origin             INTEGER NOT NULL REFERENCES interactions(id),  -- the interaction that created it
    parent             INTEGER,         -- the nearest node when it was created
    prompts            INTEGER NOT NULL,
    adapter            TEXT,            -- current adapter blob (NULL: base model)
    adapter_version    INTEGER NOT NULL,
    rejected_responses INTEGER NOT NULL,
    buffered           INTEGER NOT NULL -- feedback waiting for the next update
);

-- Graph memory edges: 'similar' (centroid cosine at least meta.edge_threshold)
-- and 'lineage' (a node and the nearest node when it was created).
CREATE TABLE edges (
    source INTEGER NOT NULL REFERENCES nodes(id),
    target INTEGER NOT NULL REFERENCES nodes(id),
    kind   TEXT NOT NULL CHECK (kind IN ('similar', 'lineage')),
    weight REAL,
    PRIMARY KEY (source, target, kind)
);

-- Every learning step: accepted (an adapter) or rejected by the regression guard.
CREATE TABLE adapters (
    sequence       INTEGER PRIMARY KEY REFERENCES events(sequence),
    node           INTEGER NOT NULL REFERENCES nodes(id),
    version        INTEGER NOT NULL,   -- the node's adapter version after the step (unchanged if rejected)
    status         TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    blob           TEXT,               -- the adapter value blob (NULL if rejected)
    optimizer_blob TEXT,
    previous_blob  TEXT,               -- the adapter it started from (NULL: identity)
    method         TEXT,
    loss           REAL,
    reason         TEXT                -- why the guard rejected it
);
CREATE INDEX adapters_by_node ON adapters(node);

-- Which feedback each learning step used.
CREATE TABLE lineage (
    adapter_sequence INTEGER NOT NULL REFERENCES adapters(sequence),
    position         INTEGER NOT NULL,   -- order in the node's buffer
    interaction      INTEGER NOT NULL REFERENCES interactions(id),
    reward           REAL NOT NULL,
    PRIMARY KEY (adapter_sequence, position)
);
