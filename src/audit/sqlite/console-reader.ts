import type Database from 'better-sqlite3';
import type { EventRow } from '../chain.ts';
import { type DecisionFilter, type DecisionRecord, type JoinedRow, toRecord } from '../decisions.ts';
import { openCheckedReader } from './migrations.ts';
import { queryDecisions } from './query.ts';
import { toRecordedDecision } from '../recorded-decision.ts';

/**
 * What the console (src/console/) reads, from a SQLite audit file the gateway writes: a second,
 * read-only connection, so a slow page never holds the writer. Every query is bounded by an index
 * (decision_keys, events_lifecycle, the rowid) or by a seq range found through one.
 */
export interface ConsoleReader {
  /** Newest first; keyset paging with `filter.before`, the live tail with `filter.afterSeq`. */
  decisions(filter: DecisionFilter, limit: number): DecisionRecord[];
  decision(seq: number): DecisionDetail | undefined;
  overview(range: { since: Date; until: Date }, buckets: number): Overview;
  /** Distinct recorded principals (`sub`), in order, at most `limit`. */
  principals(limit: number): string[];
  /** The principal as its newest recorded decision input shows it (roles, scopes, claims), if any. */
  recordedPrincipal(sub: string): Record<string, unknown> | undefined;
  close(): void;
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

const SERIES = 6;
/** A workflow's steps lie between its composite's decision and outcome; its siblings are looked for this close. */
const SIBLING_WINDOW_MS = 3_600_000;
const LIFECYCLE = "kind IN ('startup', 'shutdown', 'config_loaded', 'config_reload', 'policy_reload')";

export function openConsoleReader(path: string): ConsoleReader {
  const db: Database.Database = openCheckedReader(path);
  const rowAt = db.prepare("SELECT * FROM events WHERE seq = ? AND kind = 'decision'");
  const outcomeOf = db.prepare("SELECT * FROM events WHERE kind = 'outcome' AND decision_id = ? ORDER BY seq LIMIT 1");
  const head = db.prepare('SELECT seq, hash, time FROM chain_head WHERE id = 1');
  const joined = db.prepare(`SELECT d.*, o.outcome AS o_outcome, o.data AS o_data FROM events d
    LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id WHERE d.seq = ?`);
  // Candidates by the workflow index, then the row's own request and session: a composite's
  // steps carry its caller's request id and session, and the composite call itself its name.
  const stepsOf = db.prepare(`SELECT seq FROM decision_keys WHERE workflow = @workflow AND time >= @from AND time <= @to
    UNION SELECT seq FROM decision_keys WHERE public_name = @workflow AND upstream = 'warden' AND time >= @from AND time <= @to`);

  // One seek per distinct name on the (sub, time) index, however many rows each principal has.
  const distinctSubs = db.prepare(`WITH RECURSIVE subs(sub) AS (
      SELECT (SELECT min(sub) FROM decision_keys WHERE sub IS NOT NULL)
      UNION ALL SELECT (SELECT min(sub) FROM decision_keys WHERE sub > subs.sub) FROM subs WHERE subs.sub IS NOT NULL LIMIT @max
    ) SELECT sub FROM subs WHERE sub IS NOT NULL`);
  const newestOf = db.prepare('SELECT seq FROM decision_keys WHERE sub = ? ORDER BY time DESC, seq DESC LIMIT 1').pluck();

  const detail = (seq: number): DecisionDetail | undefined => {
    const row = rowAt.get(seq) as EventRow | undefined;
    if (row === undefined) return undefined;
    const record = toRecord(joined.get(seq) as JoinedRow);
    const recorded = toRecordedDecision(row);
    const data = JSON.parse(row.data) as Record<string, unknown>;
    const outcomeRow = row.decision_id === null ? undefined : (outcomeOf.get(row.decision_id) as EventRow | undefined);
    const outcomeData = outcomeRow === undefined ? undefined : (JSON.parse(outcomeRow.data) as { duration_ms?: number; upstream_ms?: number | null });
    const workflow = record.workflow?.name ?? (record.server === 'warden' ? record.tool : null);
    const chainHead = head.get() as { seq: number; time: string } | undefined;
    return {
      record,
      input: recorded.input ?? null,
      argumentsSha256: typeof data.arguments_sha256 === 'string' ? data.arguments_sha256 : null,
      policyRevision: recorded.policyRevision,
      protocolVersion: typeof data.protocol_version === 'string' ? data.protocol_version : null,
      outcome: outcomeRow === undefined ? null : { time: outcomeRow.time, outcome: outcomeRow.outcome ?? '', code: outcomeRow.code, durationMs: outcomeData?.duration_ms ?? null, upstreamMs: outcomeData?.upstream_ms ?? null },
      siblings: workflow === null || workflow === undefined ? [] : siblings(row, workflow),
      chain: { seq: row.seq, prevHash: row.prev_hash, hash: row.hash, headSeq: chainHead?.seq ?? null, headTime: chainHead?.time ?? null },
    };
  };

  const siblings = (row: EventRow, workflow: string): DecisionRecord[] => {
    const at = Date.parse(row.time);
    const seqs = (stepsOf.all({ workflow, from: new Date(at - SIBLING_WINDOW_MS).toISOString(), to: new Date(at + SIBLING_WINDOW_MS).toISOString() }) as { seq: number }[]).map((r) => r.seq);
    return seqs
      .map((seq) => joined.get(seq) as JoinedRow)
      .filter((other) => other.request_id === row.request_id && other.session_id === row.session_id && other.seq !== row.seq)
      .sort((a, b) => a.seq - b.seq)
      .map(toRecord);
  };

  return {
    decisions: (filter, limit) => queryDecisions(db, filter, limit),
    decision: detail,
    overview: (range, buckets) => overview(db, range, buckets, head),
    principals: (limit) => distinctSubs.all({ max: limit }).map((row) => (row as { sub: string }).sub),
    recordedPrincipal(sub) {
      const seq = newestOf.get(sub) as number | undefined;
      const row = seq === undefined ? undefined : (rowAt.get(seq) as EventRow | undefined);
      const principal = row === undefined ? undefined : toRecordedDecision(row).input?.principal;
      return principal !== null && typeof principal === 'object' ? (principal as Record<string, unknown>) : undefined;
    },
    close: () => void db.close(),
  };
}

function overview(db: Database.Database, range: { since: Date; until: Date }, buckets: number, head: Database.Statement): Overview {
  const since = range.since.toISOString();
  const until = range.until.toISOString();
  const bucketMs = Math.max(1000, Math.ceil((range.until.getTime() - range.since.getTime()) / buckets));
  // A JavaScript number binds as REAL: the division is floored by the CAST, not by integer arithmetic.
  const bucketOf = `CAST((julianday(time) - julianday(@since)) * 86400000 / @bucketMs AS INTEGER)`;
  const params = { since, until, bucketMs };
  const grouped = (key: string) =>
    db
      .prepare(`SELECT ${bucketOf} AS b, ${key} AS key, count(*) AS calls, sum(decision = 'deny') AS denied FROM decision_keys
        WHERE time >= @since AND time < @until GROUP BY b, key`)
      .all(params) as { b: number; key: string | null; calls: number; denied: number }[];
  const starts = Array.from({ length: buckets }, (_, i) => new Date(range.since.getTime() + i * bucketMs).toISOString());
  const perTool = grouped('public_name');
  const totals = starts.map((start) => ({ start, calls: 0, denied: 0 }));
  for (const row of perTool) {
    const bucket = totals[row.b];
    if (bucket === undefined) continue;
    bucket.calls += row.calls;
    bucket.denied += row.denied;
  }
  // The first decision in range bounds the scan of the codes by seq (events has no time index).
  const first = db.prepare('SELECT min(seq) FROM decision_keys WHERE time >= ? AND time < ?').pluck().get(since, until) as number | null;
  const errorCodes =
    first === null
      ? []
      : (db
          .prepare(`SELECT kind, code, count(*) AS count FROM events WHERE seq >= ? AND time < ? AND kind IN ('decision', 'outcome') AND code IS NOT NULL
             GROUP BY kind, code ORDER BY count DESC LIMIT 20`)
          .all(first, until) as Overview['errorCodes']);
  return {
    since,
    until,
    bucketMs,
    buckets: totals,
    byTool: series(perTool, buckets),
    byPrincipal: series(grouped('sub'), buckets),
    topDenied: db
      .prepare(`SELECT public_name AS tool, count(*) AS denied FROM decision_keys WHERE decision = 'deny' AND time >= ? AND time < ? GROUP BY public_name ORDER BY denied DESC LIMIT 10`)
      .all(since, until) as Overview['topDenied'],
    errorCodes,
    history: (db.prepare(`SELECT seq, time, kind, data FROM events WHERE ${LIFECYCLE} ORDER BY seq DESC LIMIT 20`).all() as EventRow[]).map((row) => ({
      seq: row.seq,
      time: row.time,
      kind: row.kind,
      detail: JSON.parse(row.data) as Record<string, unknown>,
    })),
    head: (head.get() as Overview['head'] | undefined) ?? null,
  };
}

/** The busiest keys' series; the rest are left to the totals. */
function series(rows: { b: number; key: string | null; calls: number; denied: number }[], buckets: number): Series[] {
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
