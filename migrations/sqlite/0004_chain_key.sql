-- Keying of the hash chain (audit.chain_key): from `from_seq` on, every row's hash is
-- HMAC-SHA256 under a secret the database does not hold, so someone who can write the file but
-- lacks the key cannot recompute the chain after an edit. `key_id` names the key (a hash of
-- it, never the key) so a gateway or verify with a different key is refused rather than
-- forking the chain. The row at `from_seq` is the startup event that began the keying and
-- records the same key id, itself under the key. No row: the chain is plain SHA-256.
CREATE TABLE chain_key (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  key_id    TEXT NOT NULL,
  from_seq  INTEGER NOT NULL
);
