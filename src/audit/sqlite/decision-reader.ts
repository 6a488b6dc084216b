/**
 * Recorded decisions for `warden policy explain` and `warden policy replay`: each decision row
 * with the input document it was decided on, put back together from the stored input and the
 * stored (redacted) arguments. The reader is the audit module's front door for this: callers
 * never read the events table themselves.
 */
import type Database from 'better-sqlite3';
import { checkSchema, loadMigrations } from './migrations.ts';
import { openReaderDatabase } from './database.ts';
import type { EventRow } from '../chain.ts';

export interface RecordedDecision {
  seq: number;
  time: string;
  decisionId: string;
  decision: 'allow' | 'deny';
  code: string | null;
  reasons: string[];
  policyRevision: string | null;
  sub: string | null;
  method: string | null;
  /** Public tool name (or resource URI). */
  tool: string | null;
  upstream: string | null;
  /** The policy input document, or undefined for rows written before inputs were kept. */
  input: Record<string, unknown> | undefined;
  /** The stored input or arguments hold `[REDACTED...]` values: not what was decided on. */
  redacted: boolean;
}

export interface DecisionReader {
  /** One decision by its id (the `decisionId` a denied caller receives). */
  byId(decisionId: string): RecordedDecision | undefined;
  /** Decisions in chain order, from `since` on. */
  since(since: Date | undefined): IterableIterator<RecordedDecision>;
  close(): void;
}

const REDACTED = /\[REDACTED(?::[a-z-]+)?\]/;

function toRecorded(row: EventRow): RecordedDecision {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const stored = data.input as Record<string, unknown> | null | undefined;
  const args = data.arguments;
  const input = stored ? { ...stored, ...(args !== null && args !== undefined ? { arguments: args } : {}) } : undefined;
  return {
    seq: row.seq,
    time: row.time,
    decisionId: row.decision_id ?? '',
    decision: row.decision === 'allow' ? 'allow' : 'deny',
    code: row.code,
    reasons: Array.isArray(data.reasons) ? (data.reasons as string[]) : [],
    policyRevision: typeof data.policy_revision === 'string' ? data.policy_revision : null,
    sub: row.sub,
    method: row.method,
    tool: row.public_name,
    upstream: row.upstream,
    input,
    redacted: REDACTED.test(JSON.stringify([stored ?? null, args ?? null])),
  };
}

/** Opens the database read-only (throws AUDIT_UNAVAILABLE / AUDIT_SCHEMA_TOO_NEW as the CLI expects). */
export function openDecisionReader(path: string): DecisionReader {
  const db: Database.Database = openReaderDatabase(path);
  try {
    checkSchema(db, loadMigrations());
  } catch (error) {
    db.close();
    throw error;
  }
  const byId = db.prepare("SELECT * FROM events WHERE kind = 'decision' AND decision_id = ? ORDER BY seq LIMIT 1");
  const since = db.prepare("SELECT * FROM events WHERE kind = 'decision' AND time >= ? ORDER BY seq");
  return {
    byId(decisionId) {
      const row = byId.get(decisionId) as EventRow | undefined;
      return row ? toRecorded(row) : undefined;
    },
    *since(from) {
      for (const row of since.iterate(from?.toISOString() ?? '') as IterableIterator<EventRow>) yield toRecorded(row);
    },
    close: () => db.close(),
  };
}
