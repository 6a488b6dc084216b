-- The console (issue 16) filters decisions by workflow (the composite a decision is a step of)
-- and finds a step's siblings through it: the name is copied into decision_keys by the indexer,
-- off the request path like the other keys. Only rows written inside a workflow are updated
-- (canonical JSON writes `"workflow":null` for the others), so the upgrade of a large log reads
-- it once and rewrites a few rows.
ALTER TABLE decision_keys ADD COLUMN workflow TEXT;
UPDATE decision_keys SET workflow = (SELECT json_extract(e.data, '$.workflow.name') FROM events e WHERE e.seq = decision_keys.seq)
  WHERE seq IN (SELECT seq FROM events WHERE kind = 'decision' AND instr(data, '"workflow":{') > 0);
CREATE INDEX decision_keys_workflow ON decision_keys (workflow, time) WHERE workflow IS NOT NULL;

-- Lifecycle rows (starts, stops, reloads) are few: a partial index finds them for the Overview
-- without scanning the log, and costs the commits of calls nothing (their rows do not match it).
CREATE INDEX events_lifecycle ON events (seq) WHERE kind IN ('startup', 'shutdown', 'config_loaded', 'config_reload', 'policy_reload');
