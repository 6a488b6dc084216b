import pg from 'pg';
import type { PinSql } from '../pins.ts';
import { type PostgresSettings, clientConfig } from './connection.ts';

/** `?` placeholders numbered for PostgreSQL (the pin statements hold no `?` of their own). */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** tool_pins statements over a connection or a pool. */
export function queryPinSql(queryable: pg.Pool | pg.Client): PinSql {
  return {
    async run(sql, params) {
      const result = await queryable.query(numbered(sql), params as unknown[]);
      return { rows: result.rows as Record<string, unknown>[], changes: result.rowCount ?? 0 };
    },
  };
}

/**
 * tool_pins on PostgreSQL for the gateway, through a pool of its own: the writer connection runs
 * one query at a time inside its commits (store.ts), so a pin query there could land inside a
 * chain transaction. The pool reconnects by itself; a failed query rejects and the caller logs it.
 */
export function postgresPinSql(settings: PostgresSettings, applicationName: string): PinSql & { end(): Promise<void> } {
  const pool = new pg.Pool({ ...clientConfig(settings, applicationName), max: 2 });
  // An idle client's error (server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return { ...queryPinSql(pool), end: () => pool.end() };
}
