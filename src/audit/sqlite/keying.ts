import type Database from 'better-sqlite3';
import type { ChainKey } from '../chain.ts';
import type { KeyEpoch, Keying } from '../keying.ts';

/** The SQLite side of keying.ts: the `chain_key` row (migrations/sqlite/0004). */
export function keyingReader(db: Database.Database): () => Keying | undefined {
  const read = db.prepare('SELECT key_id AS keyId, from_seq AS fromSeq FROM chain_key WHERE id = 1');
  // Prepared at the first keyed read: an unkeyed log needs no rotations (nor, before 0008, their table).
  let rotations: Database.Statement | undefined;
  return () => {
    const keying = read.get() as Keying | undefined;
    if (keying === undefined) return undefined;
    rotations ??= db.prepare('SELECT key_id AS keyId, from_seq AS fromSeq FROM chain_key_rotations ORDER BY from_seq');
    return { ...keying, rotations: rotations.all() as KeyEpoch[] };
  };
}

/** Keys the chain from the next row appended on (the startup row the store is about to write). */
export function startKeying(db: Database.Database, key: ChainKey): void {
  db.prepare('INSERT INTO chain_key (id, key_id, from_seq) VALUES (1, ?, coalesce((SELECT seq FROM chain_head WHERE id = 1), 0) + 1)').run(key.id);
}
