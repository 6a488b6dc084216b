-- Rotations of each replica's chain key, as migrations/sqlite/0008.
CREATE TABLE chain_key_rotations (
  replica_id  text COLLATE "C" NOT NULL,
  from_seq    bigint NOT NULL,
  key_id      text NOT NULL,
  PRIMARY KEY (replica_id, from_seq)
);
