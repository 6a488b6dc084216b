import type Database from 'better-sqlite3';
import { type ChainKey, type EventFields, GENESIS_HASH, HASHED_COLUMNS, rowHash } from '../chain.ts';
import { assertKeyFits, keyAt } from '../keying.ts';
import { keyingReader } from './keying.ts';

/**
 * Appends rows to the chain in one IMMEDIATE transaction and moves `chain_head` with them.
 * The head is read inside the transaction rather than cached, so a second writer (the prune
 * command, another process) can never fork the chain. So is the keying (keying.ts): a keyed log
 * takes rows only from a writer holding its key. Returns the last sequence number written.
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

  const append = db.transaction((rows: readonly EventFields[]): number => {
    const head = readHead.get() as { seq: number; hash: string } | undefined;
    const keying = readKeying();
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
    return seq;
  });

  return (rows) => append.immediate(rows);
}
