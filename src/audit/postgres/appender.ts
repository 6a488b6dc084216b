import type pg from 'pg';
import { WardenError } from '../../errors.ts';
import { type ChainKey, type EventFields, HASHED_COLUMNS, rowHash } from '../chain.ts';
import { type Keying, keyAt } from '../keying.ts';
import type { HeadRow } from '../startup.ts';

/**
 * Appends rows to one replica's chain in a single statement (one round trip, its own implicit
 * transaction, or part of the caller's): the head moves by compare-and-set from the head the
 * writer holds, and the rows are inserted only through that update. So a writer whose head is
 * stale (another process appended, a commit whose answer was lost) inserts nothing and is told;
 * it then reads the head again. The statement reports how many rows it really stored, and
 * anything but all of them is an error: a write is never taken for done on faith.
 */
const ARRAY_TYPES = ['bigint', ...HASHED_COLUMNS.map(() => 'text'), 'text', 'text'];
const COLUMNS = ['seq', ...HASHED_COLUMNS, 'prev_hash', 'hash'];

const APPEND = `
  WITH moved AS (
    UPDATE chain_head SET seq = $4, hash = $5, time = $6
    WHERE replica_id = $1 AND seq = $2 AND hash = $3
    RETURNING replica_id
  ), stored AS (
    INSERT INTO events (replica_id, ${COLUMNS.join(', ')})
    SELECT moved.replica_id, r.* FROM moved CROSS JOIN unnest(${ARRAY_TYPES.map((type, i) => `$${i + 7}::${type}[]`).join(', ')}) AS r
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM stored)::int AS stored`;

export interface ChainState {
  replica: string;
  head: HeadRow;
  keying: Keying | undefined;
  key: ChainKey | undefined;
}

/** Hashes and stores `rows` after `state.head`; returns the new head (the caller keeps it). */
export async function appendRows(client: pg.Client, state: ChainState, rows: readonly EventFields[], time: string): Promise<HeadRow> {
  if (rows.length === 0) return state.head;
  const columns: unknown[][] = COLUMNS.map(() => []);
  let { seq, hash } = state.head;
  for (const fields of rows) {
    const prev = hash;
    seq += 1;
    hash = rowHash(prev, fields, keyAt(state.keying, state.key, seq));
    columns[0]!.push(seq);
    HASHED_COLUMNS.forEach((column, i) => columns[i + 1]!.push(fields[column]));
    columns[HASHED_COLUMNS.length + 1]!.push(prev);
    columns[HASHED_COLUMNS.length + 2]!.push(hash);
  }
  const result = await client.query<{ moved: number; stored: number }>({
    name: 'warden-audit-append',
    text: APPEND,
    values: [state.replica, state.head.seq, state.head.hash, seq, hash, time, ...columns],
  });
  const { moved, stored } = result.rows[0]!;
  if (moved !== 1) {
    throw new WardenError('AUDIT_CHAIN_BROKEN', `the chain head of replica ${state.replica} is no longer at seq ${state.head.seq}: another writer appended, or a commit's answer was lost; reading it again`);
  }
  if (stored !== rows.length) throw new WardenError('AUDIT_UNAVAILABLE', `the audit database stored ${stored} of ${rows.length} rows`);
  return { seq, hash };
}

export async function readHead(client: pg.Client, replica: string): Promise<HeadRow | undefined> {
  const row = (await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM chain_head WHERE replica_id = $1', [replica])).rows[0];
  return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
}

export async function readKeying(client: pg.Client, replica: string): Promise<Keying | undefined> {
  const row = (await client.query<{ key_id: string; from_seq: string }>('SELECT key_id, from_seq FROM chain_key WHERE replica_id = $1', [replica])).rows[0];
  if (row === undefined) return undefined;
  const rotations = (await client.query<{ key_id: string; from_seq: string }>('SELECT key_id, from_seq FROM chain_key_rotations WHERE replica_id = $1 ORDER BY from_seq', [replica])).rows;
  return { keyId: row.key_id, fromSeq: Number(row.from_seq), rotations: rotations.map((r) => ({ keyId: r.key_id, fromSeq: Number(r.from_seq) })) };
}
