import type Database from 'better-sqlite3';
import type pg from 'pg';
import { WardenError } from '../../errors.ts';
import { type EventRow, HASHED_COLUMNS } from '../chain.ts';
import { inTransaction } from './connection.ts';
import { replicaLockKey, tryLockReplica } from './replica-lock.ts';

/**
 * `warden audit migrate --to postgres://...`: copies a SQLite trail into PostgreSQL as the chain of
 * one replica, row for row (seq, every hashed column, prev_hash, hash unchanged; the replica id and
 * seq are not hashed), with its head, prune anchor and keying (rotations included), in one transaction. So the copy
 * verifies with the same marks (`--expect REPLICA:SEQ:HASH`) and key as the original. Refused when
 * that replica already has a chain there, or is running.
 */
export interface CopyResult {
  replica: string;
  rows: number;
  lastSeq: number | null;
}

const BATCH_ROWS = 2000;
const COLUMNS = ['seq', ...HASHED_COLUMNS, 'prev_hash', 'hash'] as const;

export async function copyFromSqlite(source: Database.Database, client: pg.Client, replica: string): Promise<CopyResult> {
  if (!(await tryLockReplica(client, replica))) throw new WardenError('AUDIT_REPLICA_IN_USE', `replica "${replica}" is running on the target database: choose another --replica`);
  try {
    return await copyRows(source, client, replica);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [replicaLockKey(replica)]);
  }
}

function copyRows(source: Database.Database, client: pg.Client, replica: string): Promise<CopyResult> {
  return inTransaction(client, async () => {
    const existing = (await client.query('SELECT 1 FROM chain_head WHERE replica_id = $1 UNION ALL SELECT 1 FROM events WHERE replica_id = $1 LIMIT 1', [replica])).rowCount ?? 0;
    if (existing > 0) throw new WardenError('USAGE', `the target database already holds a chain of replica "${replica}": choose another --replica`);
    const insert = `INSERT INTO events (replica_id, ${COLUMNS.join(', ')})
      SELECT $1, * FROM unnest($2::bigint[], ${COLUMNS.slice(1).map((_, i) => `$${i + 3}::text[]`).join(', ')})`;
    let rows = 0;
    let batch: EventRow[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const stored = (await client.query(insert, [replica, ...COLUMNS.map((column) => batch.map((row) => row[column]))])).rowCount;
      if (stored !== batch.length) throw new WardenError('AUDIT_UNAVAILABLE', `stored ${stored} of ${batch.length} rows`);
      rows += batch.length;
      batch = [];
    };
    for (const row of source.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>) {
      batch.push(row);
      if (batch.length === BATCH_ROWS) await flush();
    }
    await flush();
    const copyOne = async (table: string, sql: string, columns: string): Promise<void> => {
      const row = source.prepare(sql).get() as Record<string, unknown> | undefined;
      if (row === undefined) return;
      const names = columns.split(', ');
      await client.query(`INSERT INTO ${table} (replica_id, ${columns}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')})`, [replica, ...names.map((name) => row[name])]);
    };
    await copyOne('chain_head', 'SELECT seq, hash, time FROM chain_head WHERE id = 1', 'seq, hash, time');
    await copyOne('chain_anchor', 'SELECT seq, hash, time, removed FROM chain_anchor WHERE id = 1', 'seq, hash, time, removed');
    await copyOne('chain_key', 'SELECT key_id, from_seq FROM chain_key WHERE id = 1', 'key_id, from_seq');
    for (const rotation of source.prepare('SELECT key_id, from_seq FROM chain_key_rotations ORDER BY from_seq').all() as Array<{ key_id: string; from_seq: number }>) {
      await client.query('INSERT INTO chain_key_rotations (replica_id, from_seq, key_id) VALUES ($1, $2, $3)', [replica, rotation.from_seq, rotation.key_id]);
    }
    const last = source.prepare('SELECT max(seq) FROM events').pluck().get() as number | null;
    return { replica, rows, lastSeq: last };
  });
}
