/**
 * Recorded decisions (recorded-decision.ts) from a SQLite audit file. The reader is the audit
 * module's front door for this: callers never read the events table themselves.
 */
import type Database from 'better-sqlite3';
import { openCheckedReader } from './migrations.ts';
import type { EventRow } from '../chain.ts';
import { type DecisionSource, type RecordedDecision, toRecordedDecision } from '../recorded-decision.ts';

/** Opens the database read-only (throws AUDIT_UNAVAILABLE / AUDIT_SCHEMA_TOO_NEW as the CLI expects). */
export function openSqliteDecisionSource(path: string): DecisionSource {
  const db: Database.Database = openCheckedReader(path);
  const byId = db.prepare("SELECT * FROM events WHERE kind = 'decision' AND decision_id = ? ORDER BY seq LIMIT 1");
  const since = db.prepare("SELECT * FROM events WHERE kind = 'decision' AND time >= ? ORDER BY seq");
  return {
    async byId(decisionId) {
      const row = byId.get(decisionId) as EventRow | undefined;
      return row ? toRecordedDecision(row) : undefined;
    },
    async *since(from): AsyncGenerator<RecordedDecision> {
      for (const row of since.iterate(from?.toISOString() ?? '') as IterableIterator<EventRow>) yield toRecordedDecision(row);
    },
    close: async () => {
      db.close();
    },
  };
}
