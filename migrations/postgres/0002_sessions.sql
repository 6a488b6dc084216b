-- Old-era sessions any replica can continue (issue 14): the sealed session id carries what never
-- changes; this row what may (subscriptions, log delivery, the end). Keyed by a SHA-256 of the id
-- (the id itself is a bearer secret of its client). Not hashed into any chain: session state is
-- not audit evidence, the calls made in the session are.
CREATE TABLE sessions (
  id_hash        text PRIMARY KEY,
  replica_id     text NOT NULL,
  subscriptions  text NOT NULL DEFAULT '[]',
  receives_logs  boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  ended_at       timestamptz
);
