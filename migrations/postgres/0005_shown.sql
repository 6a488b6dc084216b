-- What each caller was shown, as migrations/sqlite/0007: the names of each distinct list once,
-- shared by every replica, keyed by the digest the `shown` rows carry.
CREATE TABLE shown_names (
  digest  text COLLATE "C" PRIMARY KEY,
  names   text NOT NULL
);

CREATE INDEX events_shown ON events (sub, time) WHERE kind = 'shown';
