import { hash } from 'node:crypto';
import type pg from 'pg';
import { WardenError } from '../../errors.ts';

/**
 * One live writer per replica id: the writer's connection holds a session advisory lock on it
 * for as long as it lives, so two processes configured with the same `audit.replica_id` never
 * both append to one chain (it would fork). The lock goes with the session: a process that dies,
 * or a connection the server times out (keepalives, connection.ts), releases it.
 */
export function replicaLockKey(replica: string): string {
  // 64 bits of SHA-256 as a signed bigint: advisory locks take one bigint.
  return hash('sha256', `mcp-warden audit replica\n${replica}`, 'buffer').readBigInt64BE(0).toString();
}

export async function tryLockReplica(client: pg.Client, replica: string): Promise<boolean> {
  const row = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [replicaLockKey(replica)])).rows[0]!;
  return row.locked;
}

/** Who holds the lock, for the message that refuses the start. */
async function holder(client: pg.Client, replica: string): Promise<string> {
  const key = BigInt.asUintN(64, BigInt(replicaLockKey(replica)));
  const row = (
    await client.query<{ application_name: string; client_addr: string | null; backend_start: Date }>(
      `SELECT a.application_name, host(a.client_addr) AS client_addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 AND l.granted LIMIT 1`,
      [(key >> 32n).toString(), (key & 0xffffffffn).toString()],
    )
  ).rows[0];
  if (row === undefined) return 'another session';
  return `a session from ${row.client_addr ?? 'a local socket'} (${row.application_name || 'no application name'}) since ${row.backend_start.toISOString()}`;
}

export async function lockReplicaOrRefuse(client: pg.Client, replica: string): Promise<void> {
  if (await tryLockReplica(client, replica)) return;
  throw new WardenError(
    'AUDIT_REPLICA_IN_USE',
    `audit.replica_id "${replica}" is in use by ${await holder(client, replica)}: give every gateway process its own audit.replica_id (a stopped replica's lock is freed when its session ends)`,
  );
}
