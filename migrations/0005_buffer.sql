-- SAGE's buffer (docs/sage.md). Each interaction's cosine to the nearest formed cluster when it
-- was asked (NULL without one); the answers that entered the buffer, in order; every cluster
-- ever formed, with how it ended (merged or dissolved) if it did, and its members at the end
-- of the branch (or when it ended).
ALTER TABLE interactions ADD COLUMN nearest_cluster REAL;

CREATE TABLE buffer_samples (
    sequence    INTEGER NOT NULL,
    interaction INTEGER NOT NULL REFERENCES interactions(id)
);

CREATE TABLE clusters (
    id              INTEGER PRIMARY KEY,
    formed_sequence INTEGER NOT NULL,
    -- 'formed' (held its rounds) or 'merged' (made of the clusters whose merged_into is this id)
    origin          TEXT NOT NULL,
    agreement       REAL,
    centre_cosine   REAL,
    ended_sequence  INTEGER,
    -- 'merged' or 'dissolved'; NULL while the cluster lives
    ended           TEXT,
    merged_into     INTEGER
);

CREATE TABLE cluster_members (
    cluster     INTEGER NOT NULL REFERENCES clusters(id),
    position    INTEGER NOT NULL,
    interaction INTEGER NOT NULL REFERENCES interactions(id)
);
CREATE INDEX cluster_members_interaction ON cluster_members(interaction);
