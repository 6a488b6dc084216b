import type pg from 'pg';
import { inTransaction } from './connection.ts';

/**
 * `warden audit prune` on PostgreSQL: in every replica's chain, the longest prefix of rows older
 * than the cutoff goes, in chunks, each its own short transaction that moves that chain's anchor
 * with the rows it deletes (the chain verifies after every chunk, as on SQLite). Only old rows and
 * the anchor are touched, so live replicas append meanwhile. Unlike SQLite no `prune` row is
 * appended: a chain takes rows only from the process holding its replica's lock; the anchor
 * (`chain_anchor`: removed, time) records what went.
 */
export interface ReplicaPruneResult {
  replica: string;
  removed: number;
  throughSeq: number | null;
}

const CHUNK_ROWS = 10_000;

export async function prunePostgres(client: pg.Client, cutoff: Date, { now = () => new Date(), chunkRows = CHUNK_ROWS } = {}): Promise<ReplicaPruneResult[]> {
  const replicas = (await client.query<{ replica_id: string }>('SELECT replica_id FROM chain_head ORDER BY replica_id')).rows.map((row) => row.replica_id);
  const results: ReplicaPruneResult[] = [];
  for (const replica of replicas) {
    const bounds = (
      await client.query<{ first_kept: string | null; last: string | null }>(
        'SELECT (SELECT min(seq) FROM events WHERE replica_id = $1 AND time >= $2) AS first_kept, (SELECT max(seq) FROM events WHERE replica_id = $1) AS last',
        [replica, cutoff.toISOString()],
      )
    ).rows[0]!;
    const target = bounds.first_kept === null ? (bounds.last === null ? null : Number(bounds.last)) : Number(bounds.first_kept) - 1;
    let removed = 0;
    let throughSeq: number | null = null;
    while (target !== null && target > 0) {
      const step = await inTransaction(client, async () => {
        const start = (await client.query<{ seq: string | null }>('SELECT min(seq) AS seq FROM events WHERE replica_id = $1', [replica])).rows[0]!.seq;
        if (start === null || Number(start) > target) return undefined;
        const last = (
          await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM events WHERE replica_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1', [replica, Math.min(target, Number(start) + chunkRows - 1)])
        ).rows[0]!;
        const deleted = (await client.query('DELETE FROM events WHERE replica_id = $1 AND seq <= $2', [replica, last.seq])).rowCount ?? 0;
        await client.query(
          `INSERT INTO chain_anchor (replica_id, seq, hash, time, removed) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (replica_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, time = excluded.time, removed = chain_anchor.removed + excluded.removed`,
          [replica, last.seq, last.hash, now().toISOString(), deleted],
        );
        return { seq: Number(last.seq), removed: deleted };
      });
      if (step === undefined) break;
      removed += step.removed;
      throughSeq = step.seq;
    }
    results.push({ replica, removed, throughSeq });
  }
  return results;
}
