import type Database from 'better-sqlite3';
import { type ChainKey, type EventFields, GENESIS_HASH, HASHED_COLUMNS, rowHash } from '../chain.ts';
import { type Keying, assertKeyFits, keyAt } from '../keying.ts';
import { keyingReader } from './keying.ts';

/**
 * Appends rows to the chain in one IMMEDIATE transaction and moves `chain_head` with them.
 * The head is read inside the transaction rather than cached, so a second writer (the prune
 * command, another process) can never fork the chain. So is the keying (keying.ts): a keyed log
 * takes rows only from a writer holding its key. Returns the last sequence number written.
 *
 * The keying is read again only when it can have changed. Every change to it by another writer
 * appends a row in the same transaction (`audit keys rotate` its key_rotation row; the store's
 * own keying start is nested in its startup transaction), and every append moves the head to a
 * higher seq. So when this appender's own last transaction committed and the head read now is
 * still the one it wrote, nobody has appended, and the keying it read then still holds. Nested
 * in a caller's transaction (startup, rotation), the keying may change around the call, and a
 * savepoint is not a commit: read then, never remembered. A keyed log saves two statements a
 * transaction (3.6 us, loaded machine); an unkeyed one reads an empty table (0.15 us).
 */
export type Appender = (rows: readonly EventFields[]) => number;

export function createAppender(db: Database.Database, now: () => Date, key?: ChainKey): Appender {
  const readHead = db.prepare('SELECT seq, hash FROM chain_head WHERE id = 1');
  const readKeying = keyingReader(db);
  const insert = db.prepare(
    `INSERT INTO events (seq, ${HASHED_COLUMNS.join(', ')}, prev_hash, hash)
     VALUES (${Array.from({ length: HASHED_COLUMNS.length + 3 }, () => '?').join(', ')})`,
  );
  const writeHead = db.prepare(
    `INSERT INTO chain_head (id, seq, hash, time) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, time = excluded.time`,
  );

  // What this appender's last committed top-level transaction left: the head and the keying read in it.
  let known: { seq: number; hash: string; keying: Keying | undefined } | undefined;
  let written: typeof known;
  let nested = false;

  const append = db.transaction((rows: readonly EventFields[]): number => {
    const head = readHead.get() as { seq: number; hash: string } | undefined;
    const keying = !nested && known !== undefined && head?.seq === known.seq && head.hash === known.hash ? known.keying : readKeying();
    assertKeyFits(keying, key);
    let seq = head?.seq ?? 0;
    let hash = head?.hash ?? GENESIS_HASH;
    for (const fields of rows) {
      const prev = hash;
      seq += 1;
      hash = rowHash(prev, fields, keyAt(keying, key, seq));
      insert.run(seq, ...HASHED_COLUMNS.map((column) => fields[column]), prev, hash);
    }
    writeHead.run(seq, hash, now().toISOString());
    written = { seq, hash, keying };
    return seq;
  });

  return (rows) => {
    nested = db.inTransaction;
    written = undefined;
    try {
      const seq = append.immediate(rows);
      // Only now is a top-level transaction committed (a failed COMMIT throws).
      known = nested ? undefined : written;
      return seq;
    } catch (error) {
      known = undefined;
      throw error;
    }
  };
}
