import type Database from 'better-sqlite3';
import { createAppender } from './appender.ts';
import { createEventEncoder } from './events.ts';
import { createRedactor } from './redact.ts';

export interface PruneResult {
  removed: number;
  /** The last removed sequence number: the anchor verify starts from. */
  throughSeq: number | null;
}

/**
 * Removes the oldest rows, up to (not including) the first row at or after `cutoff`, so the
 * remaining log stays one unbroken stretch of the chain. Records the last removed row as the
 * anchor and appends a `prune` event saying what went, in one transaction.
 */
export function pruneBefore(db: Database.Database, cutoff: Date, now: () => Date = () => new Date()): PruneResult {
  const append = createAppender(db, now);
  const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
  return db
    .transaction((): PruneResult => {
      const firstKept = db.prepare('SELECT min(seq) AS seq FROM events WHERE time >= ?').get(cutoff.toISOString()) as { seq: number | null };
      const last = db.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null };
      const through = firstKept.seq === null ? last.seq : firstKept.seq - 1;
      const boundary = through === null ? undefined : (db.prepare('SELECT seq, hash FROM events WHERE seq = ?').get(through) as { seq: number; hash: string } | undefined);
      if (!boundary) return { removed: 0, throughSeq: null };

      const previous = db.prepare('SELECT removed FROM chain_anchor WHERE id = 1').get() as { removed: number } | undefined;
      const removed = db.prepare('DELETE FROM events WHERE seq <= ?').run(boundary.seq).changes;
      db.prepare(
        `INSERT INTO chain_anchor (id, seq, hash, time, removed) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, time = excluded.time, removed = excluded.removed`,
      ).run(boundary.seq, boundary.hash, now().toISOString(), (previous?.removed ?? 0) + removed);
      append([encoder.other('prune', now(), { through_seq: boundary.seq, removed, older_than: cutoff.toISOString() })]);
      return { removed, throughSeq: boundary.seq };
    })
    .immediate();
}
