import type Database from 'better-sqlite3';
import type { EventRow } from '../chain.ts';
import { type BucketRow, bucketMsOf, chartsOf, type ConsoleReader, detailOf, type DecisionDetail, LIFECYCLE_KINDS, type Overview, principalOf, SIBLING_WINDOW_MS, workflowOf } from '../console-reader.ts';
import { type DecisionRecord, type JoinedRow, toRecord } from '../decisions.ts';
import { openCheckedReader } from './migrations.ts';
import { queryDecisions } from './query.ts';

/**
 * The console's reader (../console-reader.ts) of a SQLite audit file the gateway writes: a second,
 * read-only connection. Every query is bounded by an index (decision_keys, events_lifecycle, the
 * rowid) or by a seq range found through one.
 */
const LIFECYCLE = `kind IN (${LIFECYCLE_KINDS.map((kind) => `'${kind}'`).join(', ')})`;

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
    const outcomeRow = row.decision_id === null ? undefined : (outcomeOf.get(row.decision_id) as EventRow | undefined);
    const workflow = workflowOf(record);
    return detailOf(row, record, outcomeRow, workflow === null ? [] : siblings(row, workflow), head.get() as { seq: number; time: string } | undefined);
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

  // Promises over synchronous reads: the interface is the PostgreSQL reader's too.
  return {
    decisions: async (filter, limit) => queryDecisions(db, filter, limit),
    decision: async (seq) => detail(seq),
    overview: async (range, buckets) => overview(db, range, buckets, head),
    principals: async (limit) => distinctSubs.all({ max: limit }).map((row) => (row as { sub: string }).sub),
    async recordedPrincipal(sub) {
      const seq = newestOf.get(sub) as number | undefined;
      return principalOf(seq === undefined ? undefined : (rowAt.get(seq) as EventRow | undefined));
    },
    close: async () => void db.close(),
  };
}

function overview(db: Database.Database, range: { since: Date; until: Date }, buckets: number, head: Database.Statement): Overview {
  const since = range.since.toISOString();
  const until = range.until.toISOString();
  const bucketMs = bucketMsOf(range, buckets);
  // A JavaScript number binds as REAL: the division is floored by the CAST, not by integer arithmetic.
  const bucketOf = `CAST((julianday(time) - julianday(@since)) * 86400000 / @bucketMs AS INTEGER)`;
  const params = { since, until, bucketMs };
  const grouped = (key: string) =>
    db
      .prepare(`SELECT ${bucketOf} AS b, ${key} AS key, count(*) AS calls, sum(decision = 'deny') AS denied FROM decision_keys
        WHERE time >= @since AND time < @until GROUP BY b, key`)
      .all(params) as BucketRow[];
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
    ...chartsOf(range, buckets, bucketMs, grouped('public_name'), grouped('sub')),
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
