-- The query indexes move off the commit a call waits for (issue "audit trail": auditing adds
-- <= 100 us p99 to a call). Kept on `events`, every allowed decision's commit wrote 6 WAL pages
-- (events leaf, chain_head, 4 index leaves), 8-18 on a B-tree split; without them 2, and the
-- recordDecision p99 went 114-125 -> 89 us (src/audit/README.md). So the filter columns of every
-- decision are copied here in batches by src/audit/decision-indexer.ts, in transactions of their
-- own after the decisions committed; src/audit/query.ts reads the indexed part here and scans
-- the rows of `events` beyond `decision_keys_through` (not indexed yet) by seq.
--
-- Derived data, not part of the hash chain: verify never reads it, prune deletes its rows with
-- the events they copy, and it can be rebuilt from `events` at any time.
CREATE TABLE decision_keys (
  seq          INTEGER PRIMARY KEY,  -- events.seq of the decision row
  time         TEXT NOT NULL,
  sub          TEXT,
  method       TEXT,
  public_name  TEXT,
  upstream     TEXT,
  decision     TEXT
);

-- Same shapes as the indexes of 0002, the time order completed by seq (the rowid).
CREATE INDEX decision_keys_time ON decision_keys (time);
CREATE INDEX decision_keys_sub ON decision_keys (sub, time);
CREATE INDEX decision_keys_tool ON decision_keys (public_name, time);
CREATE INDEX decision_keys_upstream ON decision_keys (upstream, time);
CREATE INDEX decision_keys_denied ON decision_keys (time) WHERE decision = 'deny';

-- Every events row with seq <= this one has been looked at by the indexer (one row, id 1).
-- A separate mark rather than max(decision_keys.seq): the tail a query scans then ends at the
-- last row the indexer saw, however many non-decision rows came after the last decision.
CREATE TABLE decision_keys_through (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL
);

INSERT INTO decision_keys (seq, time, sub, method, public_name, upstream, decision)
  SELECT seq, time, sub, method, public_name, upstream, decision FROM events WHERE kind = 'decision';
INSERT INTO decision_keys_through (id, seq) VALUES (1, coalesce((SELECT max(seq) FROM events), 0));

-- No query filters `events` by these any more. events_denied_time goes too: decision filters
-- read decision_keys_denied now and the tail is scanned by seq, so nothing reads it, and it cost
-- every denied call's commit a page (sequential denied recordDecision, 3 runs each: p50 29 ->
-- 26-27 us, p99 100-107 -> 80-97 us without it).
DROP INDEX events_decision_time;
DROP INDEX events_decision_sub;
DROP INDEX events_decision_tool;
DROP INDEX events_decision_upstream;
DROP INDEX events_denied_time;
