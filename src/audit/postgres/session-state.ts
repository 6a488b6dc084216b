import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../log.ts';
import type { AuditConfig } from '../config.ts';
import type { SessionState, SessionStateStore } from '../session-state.ts';
import { clientConfig } from './connection.ts';
import { SESSION_ENDED_CHANNEL, listenForSessionEnds } from './session-ends.ts';

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
  let stopListening: (() => Promise<void>) | undefined;
  const isLive = async (sessionId: string): Promise<boolean> =>
    (await pool.query('SELECT 1 FROM sessions WHERE id_hash = $1 AND ended_at IS NULL', [key(sessionId)])).rowCount === 1;
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
      // Recorded and announced in one statement: the notification is delivered only if the end commits.
      await pool.query(
        `WITH ended AS (UPDATE sessions SET ended_at = now() WHERE id_hash = $1 AND ended_at IS NULL RETURNING id_hash)
         SELECT pg_notify('${SESSION_ENDED_CHANNEL}', id_hash) FROM ended`,
        [key(sessionId)],
      );
    },
    watchEnded(held, close) {
      stopListening = listenForSessionEnds({ ...config, url: config.url! }, `mcp-warden session ends ${config.replica_id}`, log, {
        ended: (idHash) => {
          for (const sessionId of held()) if (key(sessionId) === idHash) close(sessionId);
        },
        recheck: async () => {
          for (const sessionId of [...held()]) if (!(await isLive(sessionId))) close(sessionId);
        },
      });
    },
    async close() {
      await stopListening?.();
      await pool.end();
    },
  };
}
