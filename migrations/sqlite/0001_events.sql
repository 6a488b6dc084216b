-- The append-only event log. One row per event; `hash` chains every row to the one before it
-- (see src/audit/chain.ts). Columns hold what queries filter on; the rest of an event lives in
-- `data` (canonical JSON, already redacted).
CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,
  time           TEXT NOT NULL,
  request_id     TEXT,
  session_id     TEXT,
  sub            TEXT,
  iss            TEXT,
  method         TEXT,
  public_name    TEXT,
  upstream       TEXT,
  upstream_name  TEXT,
  decision       TEXT,
  decision_id    TEXT,
  outcome        TEXT,
  code           TEXT,
  data           TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);

-- The head of the chain as of the last commit, written in the same transaction as the rows.
-- verify compares it with the last row: rows cut off the tail (or appended behind the writer's
-- back) no longer match it.
CREATE TABLE chain_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   INTEGER NOT NULL,
  hash  TEXT NOT NULL,
  time  TEXT NOT NULL
);

-- Where the chain starts after a prune: the last removed row's seq and hash.
CREATE TABLE chain_anchor (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  seq      INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  time     TEXT NOT NULL,
  removed  INTEGER NOT NULL
);
