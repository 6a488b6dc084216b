import type Database from 'better-sqlite3';
import type { EventRow } from './chain.ts';

/**
 * The read side used by `warden audit query|stats|tail|export`. Functions return plain data;
 * rendering is the CLI's business. Every filter maps onto an index from 0002_query_indexes.sql.
 */
export interface DecisionFilter {
  since?: Date;
  until?: Date;
  sub?: string;
  /** A glob over the public (namespaced) tool name: `db__*`. */
  tool?: string;
  server?: string;
  decision?: 'allow' | 'deny';
  method?: string;
}

export interface DecisionRecord {
  seq: number;
  time: string;
  sub: string | null;
  method: string | null;
  tool: string | null;
  server: string | null;
  decision: 'allow' | 'deny';
  code: string | null;
  reasons: string[];
  outcome: string | null;
  durationMs: number | null;
  requestId: string | null;
  decisionId: string | null;
}

export type StatsKey = 'sub' | 'tool' | 'decision' | 'server';

export interface StatsRow {
  key: string | null;
  total: number;
  allowed: number;
  denied: number;
  /** Allowed calls whose outcome was anything but ok (including incomplete). */
  failed: number;
}

const STATS_COLUMN: Record<StatsKey, string> = { sub: 'd.sub', tool: 'd.public_name', decision: 'd.decision', server: 'd.upstream' };

function whereDecisions(filter: DecisionFilter): { sql: string; params: unknown[] } {
  const clauses = ["d.kind = 'decision'"];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown): void => {
    clauses.push(clause);
    params.push(value);
  };
  if (filter.since) add('d.time >= ?', filter.since.toISOString());
  if (filter.until) add('d.time < ?', filter.until.toISOString());
  if (filter.sub !== undefined) add('d.sub = ?', filter.sub);
  if (filter.tool !== undefined) add(isGlob(filter.tool) ? 'd.public_name GLOB ?' : 'd.public_name = ?', filter.tool);
  if (filter.server !== undefined) add('d.upstream = ?', filter.server);
  // A literal, not a parameter, so the planner can match the partial index of denials.
  if (filter.decision !== undefined) clauses.push(filter.decision === 'deny' ? "d.decision = 'deny'" : "d.decision = 'allow'");
  if (filter.method !== undefined) add('d.method = ?', filter.method);
  return { sql: clauses.join(' AND '), params };
}

interface JoinedRow extends EventRow {
  o_outcome: string | null;
  o_data: string | null;
}

/** Newest first, at most `limit` decisions, each with its outcome when there is one. */
export function queryDecisions(db: Database.Database, filter: DecisionFilter, limit: number): DecisionRecord[] {
  if (filter.tool !== undefined && isGlob(filter.tool)) {
    // A glob becomes one indexed top-`limit` per matching tool, merged by SQLite: otherwise it
    // would either sort every match of a broad glob or walk the whole time index for a rare one.
    const names = toolsMatching(db, filter.tool);
    if (names?.length === 0) return [];
    if (names !== undefined && names.length <= MAX_GLOB_EXPANSION) return selectAmongTools(db, { ...filter, tool: undefined }, names, limit);
  }
  return selectDecisions(db, filter, limit);
}

/** Tools merged per query: SQLite allows 500 terms in a compound SELECT. */
const MAX_GLOB_EXPANSION = 200;
/** Distinct tool names walked to expand a glob, before a plain GLOB scan is cheaper. */
const MAX_TOOLS_WALKED = 5000;

function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Distinct tool names matching a glob, or undefined when there are too many to walk. Walks the
 * tool index one distinct name at a time (one seek each, however many rows a tool has), only
 * within the glob's literal prefix, and matches the glob on the names.
 */
function toolsMatching(db: Database.Database, glob: string): string[] | undefined {
  const prefix = glob.slice(0, glob.search(/[*?[]/));
  const walked = db
    .prepare(
      `WITH RECURSIVE names(name) AS (
         SELECT (SELECT min(public_name) FROM events WHERE kind = 'decision' AND public_name >= @prefix)
         UNION ALL
         SELECT (SELECT min(public_name) FROM events WHERE kind = 'decision' AND public_name > name)
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

function selectDecisions(db: Database.Database, filter: DecisionFilter, limit: number): DecisionRecord[] {
  const where = whereDecisions(filter);
  const rows = db.prepare(`${SELECT_JOINED} WHERE ${where.sql} ${NEWEST_FIRST} LIMIT ?`).all(...where.params, limit) as JoinedRow[];
  return rows.map(toRecord);
}

function selectAmongTools(db: Database.Database, filter: DecisionFilter, tools: readonly string[], limit: number): DecisionRecord[] {
  const where = whereDecisions(filter);
  const perTool = `SELECT * FROM (SELECT d.seq, d.time FROM events d WHERE ${where.sql} AND d.public_name = ? ${NEWEST_FIRST} LIMIT ?)`;
  const candidates = tools.map(() => perTool).join(' UNION ALL ');
  const rows = db
    .prepare(`${SELECT_JOINED} WHERE d.seq IN (SELECT seq FROM (${candidates}) ORDER BY time DESC, seq DESC LIMIT ?) ${NEWEST_FIRST}`)
    .all(...tools.flatMap((tool) => [...where.params, tool, limit]), limit) as JoinedRow[];
  return rows.map(toRecord);
}

function toRecord(row: JoinedRow): DecisionRecord {
  const data = JSON.parse(row.data) as { reasons?: string[] };
  const outcomeData = row.o_data === null ? null : (JSON.parse(row.o_data) as { duration_ms?: number });
  return {
    seq: row.seq,
    time: row.time,
    sub: row.sub,
    method: row.method,
    tool: row.public_name,
    server: row.upstream,
    decision: row.decision ?? 'deny',
    code: row.code,
    reasons: data.reasons ?? [],
    outcome: row.o_outcome,
    durationMs: outcomeData?.duration_ms ?? null,
    requestId: row.request_id,
    decisionId: row.decision_id,
  };
}

export function decisionStats(db: Database.Database, filter: DecisionFilter, by: StatsKey): StatsRow[] {
  const where = whereDecisions(filter);
  const column = STATS_COLUMN[by];
  return db
    .prepare(
      `SELECT ${column} AS key, count(*) AS total,
         sum(d.decision = 'allow') AS allowed, sum(d.decision = 'deny') AS denied,
         sum(d.decision = 'allow' AND o.outcome IS NOT NULL AND o.outcome != 'ok') AS failed
       FROM events d LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id
       WHERE ${where.sql} GROUP BY ${column} ORDER BY total DESC, key`,
    )
    .all(...where.params) as StatsRow[];
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
