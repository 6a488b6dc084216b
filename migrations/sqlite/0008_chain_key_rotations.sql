-- Rotations of the chain key (`warden audit keys rotate`, src/audit/keying.ts): from `from_seq`
-- on, rows are HMAC-SHA256 under the key `key_id` names. The row at from_seq - 1 is the
-- `key_rotation` row naming the old and the new key id, hashed under the old key: only a holder
-- of the retiring key can begin a rotation, and verify checks that row is there.
CREATE TABLE chain_key_rotations (
  from_seq  INTEGER PRIMARY KEY,
  key_id    TEXT NOT NULL
);
