-- SAGE's trigger (docs/sage.md). Each interaction's label-free signals, as
-- InteractionRecorded.signals holds them (NULL when not recorded), and one row per
-- judgement (TriggerFired.v2), fired or not. `signals` and `badness` are JSON objects by
-- signal name; query them with json_extract.
ALTER TABLE interactions ADD COLUMN first_token_margin REAL;
ALTER TABLE interactions ADD COLUMN mean_entropy REAL;
ALTER TABLE interactions ADD COLUMN mean_log_probability REAL;
ALTER TABLE interactions ADD COLUMN nearest_node REAL;

CREATE TABLE triggers (
    sequence    INTEGER NOT NULL,
    interaction INTEGER NOT NULL REFERENCES interactions(id),
    fired       INTEGER NOT NULL,
    cause       TEXT NOT NULL,
    score       REAL,
    threshold   REAL NOT NULL,
    signals     TEXT NOT NULL,
    badness     TEXT NOT NULL
);
CREATE INDEX triggers_interaction ON triggers(interaction);
