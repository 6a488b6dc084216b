-- What each caller was shown (issue 15, src/audit/shown.ts): every list answer is a `shown` row
-- of the chain with its count and `names_sha256`; the names live here once per distinct list,
-- keyed by that digest (a JSON array, in the order shown). Not hashed into the chain: the row's
-- digest vouches for it, and `warden audit shown` checks the names against it.
CREATE TABLE shown_names (
  digest  TEXT PRIMARY KEY,
  names   TEXT NOT NULL
) WITHOUT ROWID;

-- "What had alice been shown at 10:42": her answers by time. Partial, so the commit of a
-- decision (the call path) touches no page of it.
CREATE INDEX events_shown ON events (sub, time) WHERE kind = 'shown';
