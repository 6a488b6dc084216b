import type pg from 'pg';
import { WardenError } from '../../errors.ts';
import type { ChainKey } from '../chain.ts';
import type { EventEncoder } from '../events.ts';
import { assertKeyFits } from '../keying.ts';
import { type OpenDecision, incompleteRows } from '../startup.ts';
import { appendRows, readHead, readKeying } from './appender.ts';
import { inTransaction } from './connection.ts';
import { replicaLockKey, tryLockReplica } from './replica-lock.ts';

/**
 * Calls a replica forwarded and never answered: allowed decisions in its chain since its last
 * startup with no outcome. A replica closes its own at start (store.ts); those of a replica that
 * died and does not come back are closed by `closeIncomplete` (`warden audit close-incomplete`).
 */
export async function openDecisions(client: pg.Client, replica: string): Promise<OpenDecision[]> {
  return (
    await client.query<OpenDecision>(
      `SELECT d.request_id, d.session_id, d.decision_id FROM events d
       WHERE d.replica_id = $1 AND d.kind = 'decision' AND d.decision = 'allow'
         AND d.seq > coalesce((SELECT max(seq) FROM events WHERE replica_id = $1 AND kind = 'startup'), 0)
         AND NOT EXISTS (SELECT 1 FROM events o WHERE o.replica_id = $1 AND o.kind = 'outcome' AND o.decision_id = d.decision_id)
       ORDER BY d.seq`,
      [replica],
    )
  ).rows;
}

export interface CloseIncompleteResult {
  replica: string;
  closed: number;
  /** The chain's head after the outcome rows. */
  lastSeq: number;
}

/**
 * Appends an `incomplete` outcome, in the dead replica's own chain, for each call it left open.
 * Only while no live process holds that replica's lock: taking it proves the replica is gone, and
 * keeps it from starting (and appending) until we are done.
 */
export async function closeIncomplete(client: pg.Client, replica: string, encoder: EventEncoder, now: () => Date, key?: ChainKey): Promise<CloseIncompleteResult> {
  if (!(await tryLockReplica(client, replica))) {
    throw new WardenError('AUDIT_REPLICA_IN_USE', `replica "${replica}" is running (it holds its lock): it closes its own calls; nothing was changed`);
  }
  try {
    return await inTransaction(client, async () => {
      const head = await readHead(client, replica);
      if (head === undefined) throw new WardenError('AUDIT_UNAVAILABLE', `no audit chain of replica "${replica}" in this database`);
      const keying = await readKeying(client, replica);
      assertKeyFits(keying, key);
      const rows = incompleteRows(encoder, await openDecisions(client, replica), now());
      const moved = await appendRows(client, { replica, head, keying, key }, rows, now().toISOString());
      return { replica, closed: rows.length, lastSeq: moved.seq };
    });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [replicaLockKey(replica)]);
  }
}
