import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../log.ts';
import type { AuditConfig } from '../config.ts';
import type { SessionState, SessionStateStore } from '../session-state.ts';
import { clientConfig } from './connection.ts';

/**
 * Session state in the shared audit database (table `sessions`, migration 0002), so a replica
 * that takes over an old-era session sees its subscriptions, its log delivery and whether it
 * ended. Its own small pool, apart from the audit writer's connection: a session read never waits
 * behind a group commit, and the writer's one transaction in flight stays one. The schema is
 * migrated by the audit store, which opens first.
 */
export function postgresSessionState(config: AuditConfig, log: Logger): SessionStateStore {
  const pool = new pg.Pool({ ...clientConfig({ ...config, url: config.url! }, `mcp-warden sessions ${config.replica_id}`), max: 2 });
  // An idle pooled connection that breaks (database restarted) must not crash the process.
  pool.on('error', (error) => log.warn({ err: error }, 'a session-state connection was lost'));
  const key = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');
  return {
    async create(sessionId, replicaId) {
      await pool.query('INSERT INTO sessions (id_hash, replica_id) VALUES ($1, $2) ON CONFLICT (id_hash) DO NOTHING', [key(sessionId), replicaId]);
    },
    async load(sessionId) {
      const { rows } = await pool.query<{ subscriptions: string; receives_logs: boolean }>(
        'SELECT subscriptions, receives_logs FROM sessions WHERE id_hash = $1 AND ended_at IS NULL', [key(sessionId)],
      );
      const row = rows[0];
      return row && { subscriptions: JSON.parse(row.subscriptions) as string[], receivesLogs: row.receives_logs };
    },
    async save(sessionId, state: SessionState) {
      await pool.query('UPDATE sessions SET subscriptions = $2, receives_logs = $3 WHERE id_hash = $1 AND ended_at IS NULL', [
        key(sessionId), JSON.stringify(state.subscriptions), state.receivesLogs,
      ]);
    },
    async end(sessionId) {
      await pool.query('UPDATE sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL', [key(sessionId)]);
    },
    close: () => pool.end(),
  };
}
