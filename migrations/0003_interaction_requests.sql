-- An interaction may have been asked with more than its prompt (InteractionRecorded.v2: a
-- system message and sampling fields from `gesal serve`), as JSON with the event's keys
-- (system, temperature, topP, seed, maxTokens, stop); query with json_extract. NULL: asked
-- plainly, under the store's policy.
ALTER TABLE interactions ADD COLUMN request TEXT;
