import type { EventRow } from '../chain.ts';

/** A row of `events` as the readers use it: seq as a number (pg returns bigint as text), the replica kept. */
export type PostgresEventRow = EventRow & { replica_id: string };

export function toEventRow(row: Record<string, unknown>): PostgresEventRow {
  return { ...(row as unknown as PostgresEventRow), seq: Number(row.seq) };
}
