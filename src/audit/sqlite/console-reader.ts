import type Database from 'better-sqlite3';
import type { EventRow } from '../chain.ts';
import { type ConsoleReader, detailOf, type DecisionDetail, principalOf, SIBLING_WINDOW_MS, workflowOf } from '../console-reader.ts';
import { type DecisionRecord, type JoinedRow, toRecord } from '../decisions.ts';
import { READER_BUSY_TIMEOUT_MS } from './database.ts';
import { openCheckedReader } from './migrations.ts';
import { overviewThread } from './overview-thread.ts';
import { queryDecisions } from './query.ts';

/**
 * The console's reader (../console-reader.ts) of a SQLite audit file the gateway writes: a second,
 * read-only connection, and the Overview on a thread of its own (overview-thread.ts). Every query
 * is bounded by an index (decision_keys, events_lifecycle, the rowid) or by a seq range found
 * through one.
 */
export function openConsoleReader(path: string): ConsoleReader {
  const db: Database.Database = openCheckedReader(path);
  const overviews = overviewThread(path, READER_BUSY_TIMEOUT_MS);
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
    overview: (range, buckets) => overviews.read(range, buckets),
    principals: async (limit) => distinctSubs.all({ max: limit }).map((row) => (row as { sub: string }).sub),
    async recordedPrincipal(sub) {
      const seq = newestOf.get(sub) as number | undefined;
      return principalOf(seq === undefined ? undefined : (rowAt.get(seq) as EventRow | undefined));
    },
    async close() {
      await overviews.close();
      db.close();
    },
  };
}
