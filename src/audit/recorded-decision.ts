/**
 * A decision row of the audit trail put back together with the input document it was decided on
 * (the stored input plus the stored, redacted, arguments): what `warden policy explain` and
 * `warden policy replay` read, from SQLite or PostgreSQL alike.
 */
import type { EventRow } from './chain.ts';

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
  /** The approval the policy required (issue 15), with how it was answered; null when none was. */
  approval: { required: true; reason: string; result: string | null } | null;
}

/** Recorded decisions of one audit database, whichever backend holds it. */
export interface DecisionSource {
  /** One decision by its id (the `decisionId` a denied caller receives). */
  byId(decisionId: string): Promise<RecordedDecision | undefined>;
  /** Decisions from `since` on, each chain in its order. */
  since(since: Date | undefined): AsyncIterable<RecordedDecision>;
  close(): Promise<void>;
}

const REDACTED = /\[REDACTED(?::[a-z-]+)?\]/;

export function toRecordedDecision(row: EventRow): RecordedDecision {
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
    approval: approvalOf(data.approval),
  };
}

function approvalOf(stored: unknown): RecordedDecision['approval'] {
  if (stored === null || typeof stored !== 'object') return null;
  const { reason, result } = stored as { reason?: unknown; result?: unknown };
  return { required: true, reason: typeof reason === 'string' ? reason : '', result: typeof result === 'string' ? result : null };
}
