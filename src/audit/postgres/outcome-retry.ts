import type pg from 'pg';
import type { EventFields } from '../chain.ts';

/**
 * A retried outcome row may already be stored: when the connection broke after PostgreSQL
 * committed the batch but before its answer arrived, the first attempt landed and the store only
 * saw an error. The head read after reconnecting already covers that row, so appending it again
 * would record the call's outcome twice. Before a batch that carries retried outcomes is appended,
 * the ones already in this replica's chain (same decision id) are dropped from it; the partial
 * index `events_outcome_decision` answers that lookup.
 */
export async function withoutStoredOutcomes(
  client: pg.Client,
  replica: string,
  rows: EventFields[],
  retried: WeakSet<EventFields>,
): Promise<EventFields[]> {
  const ids = rows.filter((row) => retried.has(row) && row.decision_id !== null).map((row) => row.decision_id!);
  if (ids.length === 0) return rows;
  const stored = await client.query<{ decision_id: string }>(
    "SELECT decision_id FROM events WHERE replica_id = $1 AND kind = 'outcome' AND decision_id = ANY($2::text[])",
    [replica, ids],
  );
  if (stored.rows.length === 0) return rows;
  const landed = new Set(stored.rows.map((row) => row.decision_id));
  return rows.filter((row) => !(retried.has(row) && landed.has(row.decision_id!)));
}
