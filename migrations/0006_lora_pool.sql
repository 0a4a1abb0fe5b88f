-- SAGE's LoRA store (docs/sage.md). Each interaction's cluster adapter, when it was answered with
-- one; every search of a cluster with its split, the base model's figures, the adapter it kept
-- (if any) and how that adapter retired (if it did); every candidate of every search.
ALTER TABLE interactions ADD COLUMN adapter_cluster INTEGER;
ALTER TABLE interactions ADD COLUMN cluster_adapter TEXT;

CREATE TABLE lora_searches (
    sequence         INTEGER PRIMARY KEY,
    cluster          INTEGER NOT NULL,
    -- the labelled members trained on and scored on, as JSON lists of interactions
    training         TEXT NOT NULL,
    validation       TEXT NOT NULL,
    base_exact_match REAL NOT NULL,
    base_loss        REAL NOT NULL,
    -- the kept candidate's position and blob; NULL when no candidate beat the base model
    chosen           INTEGER,
    adapter          TEXT,
    retired_sequence INTEGER,
    -- 'clusterEnded', 'replaced' or 'poolFull'; NULL while the adapter is in the pool
    retired          TEXT
);

CREATE TABLE lora_candidates (
    search        INTEGER NOT NULL REFERENCES lora_searches(sequence),
    position      INTEGER NOT NULL,
    rank          INTEGER NOT NULL,
    alpha         REAL NOT NULL,
    learning_rate REAL NOT NULL,
    epochs        INTEGER NOT NULL,
    seed          TEXT NOT NULL,
    training_loss REAL NOT NULL,
    exact_match   REAL NOT NULL,
    loss          REAL NOT NULL,
    -- SHA-256 of the candidate's adapter; only the kept one's is a stored blob
    adapter       TEXT NOT NULL
);
