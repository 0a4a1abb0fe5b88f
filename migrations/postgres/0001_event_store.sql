-- The event store on PostgreSQL: the same lines, records, refs, reflog and blobs as a store
-- folder (docs/log-format.md), one row each. Records keep their bytes exactly, so the hash
-- chain, signatures over record hashes and every state hash are those of the folder.

-- One row once the store is created (as manifest.json is written last in a folder).
CREATE TABLE gesal_manifest (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A line: records one branch appended in place after `fork`, reading its past from `parent`.
-- `tip` and `tip_hash` are its last record's end and SHA-256 (`fork` and the fork record's
-- hash while it is empty): the head an append must have decided on.
CREATE TABLE gesal_lines (
    id integer PRIMARY KEY,
    parent integer REFERENCES gesal_lines (id),
    fork bigint NOT NULL,
    owner text NOT NULL,
    tip bigint NOT NULL,
    tip_hash bytea NOT NULL
);

-- One group-committed record per row. Two appends decided on the same head both claim
-- (line, tip + 1): the primary key lets exactly one of them commit.
CREATE TABLE gesal_records (
    line integer NOT NULL REFERENCES gesal_lines (id),
    first_sequence bigint NOT NULL,
    last_sequence bigint NOT NULL,
    hash bytea NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (line, first_sequence),
    CHECK (last_sequence >= first_sequence)
);

CREATE TABLE gesal_branches (
    name text PRIMARY KEY,
    line integer NOT NULL REFERENCES gesal_lines (id),
    head bigint
);

CREATE TABLE gesal_reflog (
    position bigserial PRIMARY KEY,
    entry text NOT NULL
);

-- Blobs by content: the SHA-256 of the bytes, and the bytes (PostgreSQL compresses them).
CREATE TABLE gesal_blobs (
    hash bytea PRIMARY KEY,
    bytes bytea NOT NULL
);

-- Numbers workers hand out without racing (interaction ids): each reservation moves `value`
-- in one UPDATE, so no two workers get the same number.
CREATE TABLE gesal_counters (
    name text PRIMARY KEY,
    value bigint NOT NULL
);
