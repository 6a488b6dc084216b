import type Database from 'better-sqlite3';
import { createAppender } from './appender.ts';
import type { ChainKey } from '../chain.ts';
import { assertKeyFits } from '../keying.ts';
import { keyingReader } from './keying.ts';
import { createEventEncoder } from '../events.ts';
import { createRedactor } from '../redact.ts';

export interface PruneResult {
  removed: number;
  /** The last removed sequence number: the anchor verify starts from. */
  throughSeq: number | null;
}

/** Rows deleted per transaction: the gateway waits for the write lock at most this long. */
const CHUNK_ROWS = 10_000;

/**
 * Removes the oldest rows, up to (not including) the first row at or after `cutoff`, so the
 * remaining log stays one unbroken stretch of the chain. Works in chunks of `chunkRows`, each
 * its own short transaction that moves the anchor with the rows it deletes, so the gateway's
 * writes are never held up for long and the log verifies after every chunk. A `prune` event
 * records what went.
 */
interface PruneOptions {
  now?: () => Date;
  chunkRows?: number;
  /** The chain key of a keyed log: the `prune` event is appended to its chain. */
  key?: ChainKey;
}

export function pruneBefore(db: Database.Database, cutoff: Date, { now = () => new Date(), chunkRows = CHUNK_ROWS, key }: PruneOptions = {}): PruneResult {
  // Before anything is deleted: the `prune` event at the end must be appendable to a keyed chain.
  assertKeyFits(keyingReader(db)(), key);
  const firstKept = db.prepare('SELECT min(seq) FROM events WHERE time >= ?').pluck().get(cutoff.toISOString()) as number | null;
  const target = firstKept === null ? (db.prepare('SELECT max(seq) FROM events').pluck().get() as number | null) : firstKept - 1;
  if (target === null) return { removed: 0, throughSeq: null };

  const first = db.prepare('SELECT min(seq) FROM events').pluck();
  const boundary = db.prepare('SELECT seq, hash FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1');
  const remove = db.prepare('DELETE FROM events WHERE seq <= ?');
  // Their decision keys (derived data, migrations/sqlite/0003) go in the same transaction.
  const removeKeys = db.prepare('DELETE FROM decision_keys WHERE seq <= ?');
  const moveAnchor = db.prepare(
    `INSERT INTO chain_anchor (id, seq, hash, time, removed) VALUES (1, @seq, @hash, @time, @removed)
     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, time = excluded.time, removed = chain_anchor.removed + excluded.removed`,
  );
  const chunk = db.transaction((): { seq: number; removed: number } | undefined => {
    const start = first.get() as number | null;
    if (start === null || start > target) return undefined;
    const last = boundary.get(Math.min(target, start + chunkRows - 1)) as { seq: number; hash: string };
    const removed = remove.run(last.seq).changes;
    removeKeys.run(last.seq);
    moveAnchor.run({ seq: last.seq, hash: last.hash, time: now().toISOString(), removed });
    return { seq: last.seq, removed };
  });

  let removed = 0;
  let throughSeq: number | null = null;
  for (let step = chunk.immediate(); step; step = chunk.immediate()) {
    removed += step.removed;
    throughSeq = step.seq;
  }
  if (throughSeq === null) return { removed: 0, throughSeq: null };
  const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
  createAppender(db, now, key)([encoder.other('prune', now(), { through_seq: throughSeq, removed, older_than: cutoff.toISOString() })]);
  return { removed, throughSeq };
}
