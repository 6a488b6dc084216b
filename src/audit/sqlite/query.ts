import type Database from 'better-sqlite3';
import type { EventKind, EventRow } from '../chain.ts';
import { workflowOfEvent } from './decision-indexer.ts';
import { type DecisionFilter, type DecisionRecord, type JoinedRow, NOT_FAILED_SQL, type StatsKey, type StatsRow, toRecord } from '../decisions.ts';

/**
 * The read side used by `warden audit query|stats|tail|export`. Functions return plain data;
 * rendering is the CLI's business. Every filter maps onto an index of `decision_keys`
 * (migrations/sqlite/0003_decision_keys.sql), plus a scan of the few rows not indexed yet.
 */
export type { DecisionFilter, StatsKey } from '../decisions.ts';

const STATS_COLUMN: Record<StatsKey, string> = { sub: 'd.sub', tool: 'd.public_name', decision: 'd.decision', server: 'd.upstream' };

/**
 * Where decisions are found (table alias `d` either way, their columns are named alike): the
 * indexed ones in `decision_keys`, and the tail the indexer has not reached yet
 * (decision-indexer.ts), scanned by seq. NOT INDEXED keeps the planner on that seq range, however
 * the filter looks. Both go into one statement, so one read transaction: an indexer batch moves
 * its rows and the mark together, and nothing is seen twice or missed.
 */
const INDEXED = 'decision_keys d WHERE 1';
const TAIL = "events d NOT INDEXED WHERE d.seq > (SELECT seq FROM decision_keys_through) AND d.kind = 'decision'";
/** The one key the two sources hold differently: a column of decision_keys, inside `data` in events. */
const WORKFLOW_COLUMN = new Map([[INDEXED, 'd.workflow'], [TAIL, workflowOfEvent('d.')]]);

/** The filter as SQL clauses over `d`, each starting with AND: one copy for both sources. */
function whereDecisions(filter: DecisionFilter, source: string): { sql: string; params: unknown[] } {
  let sql = '';
  const params: unknown[] = [];
  const add = (clause: string, value?: unknown): void => {
    sql += ` AND ${clause}`;
    if (value !== undefined) params.push(value);
  };
  if (filter.since) add('d.time >= ?', filter.since.toISOString());
  if (filter.until) add('d.time < ?', filter.until.toISOString());
  if (filter.sub !== undefined) add('d.sub = ?', filter.sub);
  if (filter.tool !== undefined) add(isGlob(filter.tool) ? 'd.public_name GLOB ?' : 'd.public_name = ?', filter.tool);
  if (filter.server !== undefined) add('d.upstream = ?', filter.server);
  // A literal, not a parameter, so the planner can match the partial index of denials.
  if (filter.decision !== undefined) add(filter.decision === 'deny' ? "d.decision = 'deny'" : "d.decision = 'allow'");
  if (filter.method !== undefined) add('d.method = ?', filter.method);
  else for (const method of filter.hideMethods ?? []) add('d.method IS NOT ?', method);
  if (filter.workflow !== undefined) add(`${WORKFLOW_COLUMN.get(source)!} = ?`, filter.workflow);
  if (filter.before !== undefined) {
    // Keyset paging in newest-first order: a row value compare the time index serves as a range.
    sql += ' AND (d.time, d.seq) < (?, ?)';
    params.push(filter.before.time, filter.before.seq);
  }
  if (filter.afterSeq !== undefined) add('d.seq > ?', filter.afterSeq);
  return { sql, params };
}

interface Candidates {
  sql: string;
  params: unknown[];
}

/** seq and time of the decisions in `source` matching `filter`; with `limit`, the newest only. */
function candidates(source: string, filter: DecisionFilter, limit?: number): Candidates {
  const where = whereDecisions(filter, source);
  const top = limit === undefined ? '' : ` ${NEWEST_FIRST} LIMIT ?`;
  return { sql: `SELECT * FROM (SELECT d.seq, d.time FROM ${source}${where.sql}${top})`, params: limit === undefined ? where.params : [...where.params, limit] };
}

function union(parts: readonly Candidates[]): Candidates {
  return { sql: parts.map((part) => part.sql).join(' UNION ALL '), params: parts.flatMap((part) => part.params) };
}


/** Newest first, at most `limit` decisions, each with its outcome when there is one. */
export function queryDecisions(db: Database.Database, filter: DecisionFilter, limit: number): DecisionRecord[] {
  let indexed = [candidates(INDEXED, filter, limit)];
  if (filter.tool !== undefined && isGlob(filter.tool)) {
    // A glob becomes one indexed top-`limit` per matching tool, merged by SQLite: otherwise it
    // would either sort every match of a broad glob or walk the whole time index for a rare one.
    // The tail keeps the glob: it may hold tools the index has not seen yet.
    const names = toolsMatching(db, filter.tool);
    if (names !== undefined && names.length <= MAX_GLOB_EXPANSION) indexed = names.map((tool) => candidates(INDEXED, { ...filter, tool }, limit));
  }
  const newest = union([...indexed, candidates(TAIL, filter, limit)]);
  const rows = db
    .prepare(`${SELECT_JOINED} WHERE d.seq IN (SELECT seq FROM (${newest.sql}) ORDER BY time DESC, seq DESC LIMIT ?) ${NEWEST_FIRST}`)
    .all(...newest.params, limit) as JoinedRow[];
  return rows.map(toRecord);
}

/** Tools merged per query: SQLite allows 500 terms in a compound SELECT (one more is the tail). */
const MAX_GLOB_EXPANSION = 200;
/** Distinct tool names walked to expand a glob, before a plain GLOB scan is cheaper. */
const MAX_TOOLS_WALKED = 5000;

function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Distinct indexed tool names matching a glob, or undefined when there are too many to walk.
 * Walks the tool index one distinct name at a time (one seek each, however many rows a tool
 * has), only within the glob's literal prefix, and matches the glob on the names.
 */
function toolsMatching(db: Database.Database, glob: string): string[] | undefined {
  const prefix = glob.slice(0, glob.search(/[*?[]/));
  const walked = db
    .prepare(
      `WITH RECURSIVE names(name) AS (
         SELECT (SELECT min(public_name) FROM decision_keys WHERE public_name >= @prefix)
         UNION ALL
         SELECT (SELECT min(public_name) FROM decision_keys WHERE public_name > name)
         FROM names WHERE name IS NOT NULL AND substr(name, 1, @length) = @prefix LIMIT @max
       ) SELECT name, name GLOB @glob AS hit FROM names WHERE name IS NOT NULL AND substr(name, 1, @length) = @prefix`,
    )
    .all({ prefix, length: prefix.length, glob, max: MAX_TOOLS_WALKED + 1 }) as { name: string; hit: number }[];
  if (walked.length > MAX_TOOLS_WALKED) return undefined;
  return walked.filter((row) => row.hit === 1).map((row) => row.name);
}

const SELECT_JOINED = `SELECT d.*, o.outcome AS o_outcome, o.data AS o_data FROM events d
  LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id`;
const NEWEST_FIRST = 'ORDER BY d.time DESC, d.seq DESC';


export function decisionStats(db: Database.Database, filter: DecisionFilter, by: StatsKey): StatsRow[] {
  const all = union([candidates(INDEXED, filter), candidates(TAIL, filter)]);
  const column = STATS_COLUMN[by];
  return db
    .prepare(
      `SELECT ${column} AS key, count(*) AS total,
         sum(d.decision = 'allow') AS allowed, sum(d.decision = 'deny') AS denied,
         sum(d.decision = 'allow' AND o.outcome IS NOT NULL AND o.outcome NOT IN (${NOT_FAILED_SQL})) AS failed
       FROM events d LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id
       WHERE d.seq IN (SELECT seq FROM (${all.sql})) GROUP BY ${column} ORDER BY total DESC, key`,
    )
    .all(...all.params) as StatsRow[];
}

/** `audit query --kind` for rows other than decisions: the newest `limit` of one kind in a time range, oldest first. */
export function eventsOfKind(db: Database.Database, kind: EventKind, range: { since?: Date; until?: Date }, limit: number): EventRow[] {
  return (
    db
      .prepare('SELECT * FROM events WHERE kind = ? AND time >= ? AND time < ? ORDER BY seq DESC LIMIT ?')
      .all(kind, range.since?.toISOString() ?? '', range.until?.toISOString() ?? '9999', limit) as EventRow[]
  ).reverse();
}

/** The last `count` events of any kind, oldest first. */
export function lastEvents(db: Database.Database, count: number): EventRow[] {
  return (db.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT ?').all(count) as EventRow[]).reverse();
}

export function eventsAfter(db: Database.Database, seq: number, limit = 1000): EventRow[] {
  return db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as EventRow[];
}

/** Every event in chain order (optionally within a time range), streamed. */
export function iterateEvents(db: Database.Database, range: { since?: Date; until?: Date } = {}): IterableIterator<EventRow> {
  return db
    .prepare('SELECT * FROM events WHERE time >= ? AND time < ? ORDER BY seq')
    .iterate(range.since?.toISOString() ?? '', range.until?.toISOString() ?? '9999') as IterableIterator<EventRow>;
}
