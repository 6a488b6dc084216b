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
 * Each column travels as one array literal written here (`textArray`), and the rows' seq are
 * counted by the server from the head's (`WITH ORDINALITY`).
 */
const COLUMNS = [...HASHED_COLUMNS, 'prev_hash', 'hash'];

const APPEND = `
  WITH moved AS (
    UPDATE chain_head SET seq = $4, hash = $5, time = $6
    WHERE replica_id = $1 AND seq = $2 AND hash = $3
    RETURNING replica_id
  ), stored AS (
    INSERT INTO events (replica_id, seq, ${COLUMNS.join(', ')})
    SELECT moved.replica_id, $2 + r.n, ${COLUMNS.map((column) => `r.${column}`).join(', ')}
    FROM moved CROSS JOIN unnest(${COLUMNS.map((_, i) => `$${i + 7}::text[]`).join(', ')}) WITH ORDINALITY AS r(${COLUMNS.join(', ')}, n)
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
  const prevs: string[] = [];
  const hashes: string[] = [];
  let { seq, hash } = state.head;
  for (const fields of rows) {
    prevs.push(hash);
    seq += 1;
    hash = rowHash(hash, fields, keyAt(state.keying, state.key, seq));
    hashes.push(hash);
  }
  const columns = HASHED_COLUMNS.map((column) => textArray(rows.map((fields) => fields[column])));
  const result = await client.query<{ moved: number; stored: number }>({
    name: 'warden-audit-append',
    text: APPEND,
    values: [state.replica, state.head.seq, state.head.hash, seq, hash, time, ...columns, textArray(prevs), textArray(hashes)],
  });
  const { moved, stored } = result.rows[0]!;
  if (moved !== 1) {
    throw new WardenError('AUDIT_CHAIN_BROKEN', `the chain head of replica ${state.replica} is no longer at seq ${state.head.seq}: another writer appended, or a commit's answer was lost; reading it again`);
  }
  if (stored !== rows.length) throw new WardenError('AUDIT_UNAVAILABLE', `the audit database stored ${stored} of ${rows.length} rows`);
  return { seq, hash };
}

/**
 * A PostgreSQL text[] literal: every element quoted (so "NULL" or a brace is text), with `"` and
 * `\\` escaped, and only the elements holding one scanned twice. What `pg` does for a JS array,
 * without its per-element type dispatch and double replace (a tenth of the writer's CPU, bench profile).
 */
export function textArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (i > 0) out += ',';
    if (value === null) out += 'NULL';
    else out += `"${SPECIAL.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`;
  }
  return `${out}}`;
}
const SPECIAL = /["\\]/;
const ESCAPED = /["\\]/g;

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
