import type { PinSql } from './pins.ts';

/**
 * The `tasks` table (migrations/sqlite/0010, postgres/0007): which principal started which task
 * of which upstream (the 2026-07-28 tasks extension, SEP-2663), by the id the gateway gave the
 * caller. Over either backend through the same `?`-placeholder statements as the pins, so every
 * replica that shares the store reads what another wrote.
 */
export interface TaskRecord {
  /** The gateway's own id, handed to the caller in place of the upstream's. */
  id: string;
  upstream: string;
  upstreamTaskId: string;
  /** Who may read or update it: `taskOwner(principal)`. */
  owner: string;
  /** The decision of the call that created it. */
  decisionId: string;
  createdAt: string;
}

export interface TaskStore {
  /** Resolves once the row is committed: a caller hears of a task only after this. */
  record(task: TaskRecord): Promise<void>;
  read(id: string): Promise<TaskRecord | undefined>;
}

/** The owner key of a principal (issuer and subject: a `sub` is unique only per issuer); '' for an anonymous caller. */
export function taskOwner(principal: { iss: string; sub: string } | undefined): string {
  return principal === undefined ? '' : JSON.stringify([principal.iss, principal.sub]);
}

const COLUMNS = 'id, upstream, upstream_task_id, owner, decision_id, created_at';

export function taskStore(sql: PinSql): TaskStore {
  return {
    async record(task) {
      await sql.run(`INSERT INTO tasks (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [task.id, task.upstream, task.upstreamTaskId, task.owner, task.decisionId, task.createdAt]);
    },
    async read(id) {
      const { rows } = await sql.run(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`, [id]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        id: row.id as string,
        upstream: row.upstream as string,
        upstreamTaskId: row.upstream_task_id as string,
        owner: row.owner as string,
        decisionId: row.decision_id as string,
        createdAt: row.created_at as string,
      };
    },
  };
}
