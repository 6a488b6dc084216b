import type pg from 'pg';
import { isWardenError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ChainKey } from '../chain.ts';
import type { EventEncoder } from '../events.ts';
import { type PostgresSettings, connect } from './connection.ts';
import { closeIncomplete } from './incomplete.ts';
import { replicaLockKey, tryLockReplica } from './replica-lock.ts';

/**
 * Survivors close a dead replica's open calls (issue 14). A replica that died (SIGKILL, a lost
 * machine) leaves allowed decisions without outcomes; it closes them itself when it starts again,
 * but one that never comes back would leave them open for ever. So every live replica, on the
 * witness timer and on a connection of its own (never the writer's), looks at the other chains:
 * a replica whose advisory lock is free on two sweeps in a row is gone (a live one holds it for
 * its whole life; a frozen one keeps it too, unless the server ended its session), and its open
 * calls are closed as `incomplete` in its own chain by `closeIncomplete`, which holds the lock
 * while it writes. Two survivors never both write: the second finds the lock taken. A chain whose
 * head has not moved since it was last swept is not read again.
 */
interface SurvivorOptions {
  settings: PostgresSettings;
  replica: string;
  encoder: EventEncoder;
  key: ChainKey | undefined;
  now: () => Date;
  log: Logger;
}

export function createSurvivorSweep(options: SurvivorOptions): () => Promise<void> {
  const { replica, log } = options;
  /** Replicas seen without a lock on the previous sweep. */
  let freeBefore = new Set<string>();
  /** Head seq of each chain already swept clean: unchanged heads are skipped. */
  const swept = new Map<string, number>();
  let running = false;

  const isFree = async (client: pg.Client, other: string): Promise<boolean> => {
    if (!(await tryLockReplica(client, other))) return false;
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [replicaLockKey(other)]);
    return true;
  };

  return async () => {
    if (running) return;
    running = true;
    let client: pg.Client | undefined;
    try {
      client = await connect(options.settings, `mcp-warden survivor ${replica}`);
      const heads = (await client.query<{ replica_id: string; seq: string }>('SELECT replica_id, seq FROM chain_head WHERE replica_id <> $1', [replica])).rows;
      const freeNow = new Set<string>();
      for (const head of heads) {
        const other = head.replica_id;
        if (swept.get(other) === Number(head.seq) || !(await isFree(client, other))) continue;
        freeNow.add(other);
        if (!freeBefore.has(other)) continue;
        try {
          const result = await closeIncomplete(client, other, options.encoder, options.now, options.key);
          swept.set(other, result.lastSeq);
          if (result.closed > 0) log.warn({ dead: other, closed: result.closed }, 'closed the open calls of a replica that is gone as incomplete');
        } catch (error) {
          // Another survivor (or the replica itself, starting again) holds the lock now.
          if (!isWardenError(error, 'AUDIT_REPLICA_IN_USE')) throw error;
        }
      }
      freeBefore = freeNow;
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'looking for the open calls of dead replicas failed; trying again at the next sweep');
    } finally {
      running = false;
      await client?.end().catch(() => undefined);
    }
  };
}
