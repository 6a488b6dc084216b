-- The PostgreSQL audit trail (src/audit/postgres/): the same events as the SQLite backend, but
-- one hash chain per replica. Rows are keyed (replica_id, seq); each replica appends only to its
-- own chain, under a session advisory lock on its replica id, so the fleet never serialises on
-- one head (a shared head capped 3 writers at ~500 transactions/s and a frozen holder stalled
-- every replica: issue 14). Every text a hash covers is stored as `text`, exactly the bytes that
-- were hashed: never jsonb, which re-encodes JSON. Times are ISO-8601 UTC text with
-- milliseconds; COLLATE "C" makes text order byte order (time order), whatever the database's locale.
CREATE TABLE events (
  replica_id     text COLLATE "C" NOT NULL,
  seq            bigint NOT NULL,
  kind           text NOT NULL,
  time           text COLLATE "C" NOT NULL,
  request_id     text,
  session_id     text,
  sub            text COLLATE "C",
  iss            text,
  method         text COLLATE "C",
  public_name    text COLLATE "C",
  upstream       text COLLATE "C",
  upstream_name  text,
  decision       text,
  decision_id    text,
  outcome        text,
  code           text,
  data           text NOT NULL,
  prev_hash      text NOT NULL,
  hash           text NOT NULL,
  PRIMARY KEY (replica_id, seq)
);

-- Query indexes live on `events` itself here (SQLite moved them to a side table off the commit a
-- call waits for): a PostgreSQL commit costs a WAL flush (~0.55 ms here) whatever it touches, and
-- index entries add microseconds to it (bench/audit-postgres.bench.ts).
CREATE INDEX events_time ON events (time);
CREATE INDEX events_decision_sub ON events (sub, time) WHERE kind = 'decision';
CREATE INDEX events_decision_tool ON events (public_name, time) WHERE kind = 'decision';
CREATE INDEX events_decision_upstream ON events (upstream, time) WHERE kind = 'decision';
CREATE INDEX events_denied_time ON events (time) WHERE kind = 'decision' AND decision = 'deny';
CREATE INDEX events_outcome_decision ON events (replica_id, decision_id) WHERE kind = 'outcome';
CREATE INDEX events_startup ON events (replica_id, seq) WHERE kind = 'startup';
CREATE INDEX events_hash ON events (replica_id, hash);
CREATE INDEX events_witness ON events (replica_id, seq) WHERE kind = 'witness';

-- Each replica's head as of its last commit, moved by the same statement as its rows; the
-- append is a compare-and-set on it, so a writer with a stale head appends nothing.
CREATE TABLE chain_head (
  replica_id  text COLLATE "C" PRIMARY KEY,
  seq         bigint NOT NULL,
  hash        text NOT NULL,
  time        text NOT NULL
);

-- Where a replica's chain starts after a prune: the last removed row's seq and hash.
CREATE TABLE chain_anchor (
  replica_id  text COLLATE "C" PRIMARY KEY,
  seq         bigint NOT NULL,
  hash        text NOT NULL,
  time        text NOT NULL,
  removed     bigint NOT NULL
);

-- Keying of a replica's chain (audit.chain_key), as migrations/sqlite/0004: from `from_seq` on,
-- its hashes are HMAC-SHA256 under the key named by `key_id` (a hash of it, never the key).
CREATE TABLE chain_key (
  replica_id  text COLLATE "C" PRIMARY KEY,
  key_id      text NOT NULL,
  from_seq    bigint NOT NULL
);
