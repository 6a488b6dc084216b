import type Database from 'better-sqlite3';
import type { PinSql } from '../pins.ts';

/** tool_pins statements on a SQLite connection (the gateway's writer, or the CLI's), prepared once each. */
export function sqlitePinSql(db: Database.Database): PinSql {
  const prepared = new Map<string, Database.Statement>();
  return {
    async run(sql, params) {
      let statement = prepared.get(sql);
      if (statement === undefined) prepared.set(sql, (statement = db.prepare(sql)));
      if (statement.reader) return { rows: statement.all(...params) as Record<string, unknown>[], changes: 0 };
      return { rows: [], changes: statement.run(...params).changes };
    },
  };
}
