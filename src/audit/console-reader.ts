import type { EventRow } from './chain.ts';
import type { DecisionFilter, DecisionRecord } from './decisions.ts';
import { toRecordedDecision } from './recorded-decision.ts';

/**
 * What the console (src/console/) reads from the gateway's own trail, on either backend
 * (sqlite/console-reader.ts, postgres/console-reader.ts): each a second connection beside the
 * writer, so a slow page never holds it. What the pages show is assembled here, once.
 */
export interface ConsoleReader {
  /** Newest first; keyset paging with `filter.before`, the live tail with `filter.afterSeq`. */
  decisions(filter: DecisionFilter, limit: number): Promise<DecisionRecord[]>;
  /** `replica`: PostgreSQL, where seq counts per replica; without it the newest row with that seq. */
  decision(seq: number, replica?: string): Promise<DecisionDetail | undefined>;
  overview(range: { since: Date; until: Date }, buckets: number): Promise<Overview>;
  /** Distinct recorded principals (`sub`), in order, at most `limit`. */
  principals(limit: number): Promise<string[]>;
  /** The principal as its newest recorded decision input shows it (roles, scopes, claims), if any. */
  recordedPrincipal(sub: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export interface DecisionDetail {
  record: DecisionRecord;
  /** The policy input decided on, with its (redacted) arguments put back; null for rows written before inputs were kept. */
  input: Record<string, unknown> | null;
  argumentsSha256: string | null;
  policyRevision: string | null;
  protocolVersion: string | null;
  outcome: { time: string; outcome: string; code: string | null; durationMs: number | null; upstreamMs: number | null } | null;
  /** The other decisions of the same workflow run (same request and session), in order. */
  siblings: DecisionRecord[];
  /** Where the row sits in the hash chain, and the chain's head now. */
  chain: { seq: number; prevHash: string; hash: string; headSeq: number | null; headTime: string | null };
}

export interface Overview {
  since: string;
  until: string;
  bucketMs: number;
  /** Per bucket: calls and denials, in total and for the busiest tools and principals. */
  buckets: Array<{ start: string; calls: number; denied: number }>;
  byTool: Series[];
  byPrincipal: Series[];
  topDenied: Array<{ tool: string | null; denied: number }>;
  errorCodes: Array<{ kind: 'decision' | 'outcome'; code: string; count: number }>;
  /** Policy and config reloads, starts and stops, newest first. */
  history: Array<{ seq: number; time: string; kind: string; detail: Record<string, unknown> }>;
  head: { seq: number; hash: string; time: string } | null;
}

export interface Series {
  key: string | null;
  calls: number[];
  denied: number[];
}

/** Calls and denials of one key (a tool or a principal) in one bucket, as both backends group them. */
export interface BucketRow {
  b: number;
  key: string | null;
  calls: number;
  denied: number;
}

const SERIES = 6;
/** A workflow's steps lie between its composite's decision and outcome; its siblings are looked for this close. */
export const SIBLING_WINDOW_MS = 3_600_000;
export const LIFECYCLE_KINDS = ['startup', 'shutdown', 'config_loaded', 'config_reload', 'policy_reload'] as const;

/** The workflow a decision belongs to: a step's composite, or the composite call itself. */
export function workflowOf(record: DecisionRecord): string | null {
  return record.workflow?.name ?? (record.server === 'warden' ? record.tool : null);
}

export function detailOf(row: EventRow, record: DecisionRecord, outcomeRow: EventRow | undefined, siblings: DecisionRecord[], head: { seq: number; time: string } | undefined): DecisionDetail {
  const recorded = toRecordedDecision(row);
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const outcomeData = outcomeRow === undefined ? undefined : (JSON.parse(outcomeRow.data) as { duration_ms?: number; upstream_ms?: number | null });
  return {
    record,
    input: recorded.input ?? null,
    argumentsSha256: typeof data.arguments_sha256 === 'string' ? data.arguments_sha256 : null,
    policyRevision: recorded.policyRevision,
    protocolVersion: typeof data.protocol_version === 'string' ? data.protocol_version : null,
    outcome: outcomeRow === undefined ? null : { time: outcomeRow.time, outcome: outcomeRow.outcome ?? '', code: outcomeRow.code, durationMs: outcomeData?.duration_ms ?? null, upstreamMs: outcomeData?.upstream_ms ?? null },
    siblings,
    chain: { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, headSeq: head?.seq ?? null, headTime: head?.time ?? null },
  };
}

/** The principal part of a decision row's recorded input, if it has one. */
export function principalOf(row: EventRow | undefined): Record<string, unknown> | undefined {
  const principal = row === undefined ? undefined : toRecordedDecision(row).input?.principal;
  return principal !== null && typeof principal === 'object' ? (principal as Record<string, unknown>) : undefined;
}

export function bucketMsOf(range: { since: Date; until: Date }, buckets: number): number {
  return Math.max(1000, Math.ceil((range.until.getTime() - range.since.getTime()) / buckets));
}

/** The Overview's charts from per-bucket rows grouped by tool and by principal. */
export function chartsOf(range: { since: Date }, buckets: number, bucketMs: number, perTool: BucketRow[], perPrincipal: BucketRow[]): Pick<Overview, 'buckets' | 'byTool' | 'byPrincipal'> {
  const totals = Array.from({ length: buckets }, (_, i) => ({ start: new Date(range.since.getTime() + i * bucketMs).toISOString(), calls: 0, denied: 0 }));
  for (const row of perTool) {
    const bucket = totals[row.b];
    if (bucket === undefined) continue;
    bucket.calls += row.calls;
    bucket.denied += row.denied;
  }
  return { buckets: totals, byTool: series(perTool, buckets), byPrincipal: series(perPrincipal, buckets) };
}

/** The busiest keys' series; the rest are left to the totals. */
function series(rows: BucketRow[], buckets: number): Series[] {
  const byKey = new Map<string | null, Series & { total: number }>();
  for (const row of rows) {
    let entry = byKey.get(row.key);
    if (entry === undefined) byKey.set(row.key, (entry = { key: row.key, calls: new Array<number>(buckets).fill(0), denied: new Array<number>(buckets).fill(0), total: 0 }));
    if (row.b < 0 || row.b >= buckets) continue;
    entry.calls[row.b] = (entry.calls[row.b] ?? 0) + row.calls;
    entry.denied[row.b] = (entry.denied[row.b] ?? 0) + row.denied;
    entry.total += row.calls;
  }
  return [...byKey.values()]
    .sort((a, b) => b.total - a.total)
    .slice(0, SERIES)
    .map(({ key, calls, denied }) => ({ key, calls, denied }));
}
