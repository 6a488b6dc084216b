import type pg from 'pg';
import { WardenError } from '../../errors.ts';
import type { EventKind } from '../chain.ts';
import { type DecisionFilter, type DecisionRecord, type JoinedRow, NOT_FAILED_SQL, type StatsKey, type StatsRow, toRecord } from '../decisions.ts';
import { type PostgresEventRow, toEventRow } from './rows.ts';

/**
 * The read side of `warden audit query|stats|tail|export` on PostgreSQL, answering what
 * sqlite/query.ts answers. The indexes are on `events` itself (migrations/postgres/0001); rows of
 * all replicas are merged by time, a row named by replica and seq.
 */
const STATS_COLUMN: Record<StatsKey, string> = { sub: 'd.sub', tool: 'd.public_name', decision: 'd.decision', server: 'd.upstream' };

/** A glob (`*`, `?`, `[...]`, as SQLite's GLOB) as an anchored POSIX regular expression. */
function globToRegex(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        out += `[${body.startsWith('^') ? `\\${body}` : body}]`;
        i = end;
      }
    } else out += /[\\^$.|+(){}]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

function whereDecisions(filter: DecisionFilter, params: unknown[]): string {
  const clauses = ["d.kind = 'decision'"];
  const add = (clause: (n: string) => string, value: unknown): void => {
    params.push(value);
    clauses.push(clause(`$${params.length}`));
  };
  let sinceParam: string | undefined;
  if (filter.since) add((p) => `d.time >= ${(sinceParam = p)}`, filter.since.toISOString());
  if (filter.until) add((p) => `d.time < ${p}`, filter.until.toISOString());
  if (filter.sub !== undefined) add((p) => `d.sub = ${p}`, filter.sub);
  if (filter.tool !== undefined) {
    if (/[*?[]/.test(filter.tool)) add((p) => `d.public_name ~ ${p}`, globToRegex(filter.tool));
    else add((p) => `d.public_name = ${p}`, filter.tool);
  }
  if (filter.server !== undefined) add((p) => `d.upstream = ${p}`, filter.server);
  // A literal, so the planner can match the partial index of denials.
  if (filter.decision !== undefined) clauses.push(filter.decision === 'deny' ? "d.decision = 'deny'" : "d.decision = 'allow'");
  if (filter.method !== undefined) add((p) => `d.method = ${p}`, filter.method);
  else for (const method of filter.hideMethods ?? []) add((p) => `d.method IS DISTINCT FROM ${p}`, method);
  if (filter.workflow !== undefined) add((p) => `(d.data::json -> 'workflow' ->> 'name') = ${p}`, filter.workflow);
  // Keyset paging in the newest-first order (time, replica, seq); a cursor without its replica
  // (one written by SQLite's reader) compares time and seq only.
  const before = filter.before;
  if (before !== undefined) {
    if (before.replica === undefined) add((p) => `(d.time, d.seq) < (${p}, $${params.length + 1})`, before.time);
    else add((p) => `(d.time, d.replica_id, d.seq) < (${p}, $${params.length + 1}, $${params.length + 2})`, before.time);
    if (before.replica !== undefined) params.push(before.replica);
    params.push(before.seq);
  }
  // The live tail: seq counts per replica here, so "after" is after the newest row shown, which
  // `since` names by its time (the console sends both). A row another replica commits later
  // under an earlier time is on the page at the next load, not in the tail.
  if (filter.afterSeq !== undefined) {
    if (sinceParam === undefined) throw new WardenError('INTERNAL', 'the live tail on PostgreSQL needs since (the newest row shown)');
    add((p) => `(d.time > ${sinceParam} OR d.seq > ${p})`, filter.afterSeq);
  }
  return clauses.join(' AND ');
}

const OUTCOME_JOIN = "LEFT JOIN events o ON o.replica_id = d.replica_id AND o.kind = 'outcome' AND o.decision_id = d.decision_id";
const NEWEST_FIRST = 'ORDER BY d.time DESC, d.replica_id DESC, d.seq DESC';

/** Newest first, at most `limit` decisions, each with its outcome when there is one. */
export async function queryDecisionsPg(client: pg.Client, filter: DecisionFilter, limit: number): Promise<DecisionRecord[]> {
  const params: unknown[] = [];
  const where = whereDecisions(filter, params);
  params.push(limit);
  const rows = (
    await client.query(
      `SELECT d.*, o.outcome AS o_outcome, o.data AS o_data
       FROM (SELECT * FROM events d WHERE ${where} ${NEWEST_FIRST} LIMIT $${params.length}) d ${OUTCOME_JOIN} ${NEWEST_FIRST}`,
      params,
    )
  ).rows;
  return rows.map((row) => toRecord(toEventRow(row) as PostgresEventRow & JoinedRow));
}

export async function decisionStatsPg(client: pg.Client, filter: DecisionFilter, by: StatsKey): Promise<StatsRow[]> {
  const params: unknown[] = [];
  const column = STATS_COLUMN[by];
  return (
    await client.query<StatsRow>(
      `SELECT ${column} AS key, count(*)::int AS total,
         count(*) FILTER (WHERE d.decision = 'allow')::int AS allowed, count(*) FILTER (WHERE d.decision = 'deny')::int AS denied,
         count(*) FILTER (WHERE d.decision = 'allow' AND o.outcome IS NOT NULL AND o.outcome NOT IN (${NOT_FAILED_SQL}))::int AS failed
       FROM events d ${OUTCOME_JOIN} WHERE ${whereDecisions(filter, params)} GROUP BY ${column} ORDER BY total DESC, key`,
      params,
    )
  ).rows;
}

/**
 * Chains merged by time, each kept in its own (seq) order: a chain is one process's order of
 * events, and its times need not grow (a clock step back); with one replica this is SQLite's order.
 */
function mergeByTime(chains: PostgresEventRow[][]): PostgresEventRow[] {
  const merged: PostgresEventRow[] = [];
  const at = chains.map(() => 0);
  for (;;) {
    let pick = -1;
    chains.forEach((chain, i) => {
      const row = chain[at[i]!];
      if (row !== undefined && (pick === -1 || row.time < chains[pick]![at[pick]!]!.time)) pick = i;
    });
    if (pick === -1) return merged;
    merged.push(chains[pick]![at[pick]!]!);
    at[pick]! += 1;
  }
}

async function replicas(client: pg.Client): Promise<string[]> {
  return (await client.query<{ replica_id: string }>('SELECT replica_id FROM chain_head ORDER BY replica_id')).rows.map((row) => row.replica_id);
}

/** The last `count` events of all replicas, oldest first. */
/** `audit query --kind` (not decision): the newest `limit` rows of one kind in a time range, all replicas merged, oldest first. */
export async function eventsOfKindPg(client: pg.Client, kind: EventKind, range: { since?: Date; until?: Date }, limit: number): Promise<PostgresEventRow[]> {
  const rows = (
    await client.query('SELECT * FROM events WHERE kind = $1 AND time >= $2 AND time < $3 ORDER BY time DESC, replica_id DESC, seq DESC LIMIT $4', [
      kind, range.since?.toISOString() ?? '', range.until?.toISOString() ?? '9999', limit,
    ])
  ).rows.map(toEventRow);
  return rows.reverse();
}

export async function lastEventsPg(client: pg.Client, count: number): Promise<PostgresEventRow[]> {
  const chains: PostgresEventRow[][] = [];
  for (const replica of await replicas(client)) {
    chains.push((await client.query('SELECT * FROM events WHERE replica_id = $1 ORDER BY seq DESC LIMIT $2', [replica, count])).rows.map(toEventRow).reverse());
  }
  return mergeByTime(chains).slice(-count);
}

/** Where `tail -f` stands in each replica's chain. */
export type TailCursor = Map<string, number>;

/** Each chain's head now: read before the rows `tail` shows first, so nothing committed in between is skipped. */
export async function tailCursor(client: pg.Client): Promise<TailCursor> {
  const cursor: TailCursor = new Map();
  for (const row of (await client.query<{ replica_id: string; seq: string }>('SELECT replica_id, seq FROM chain_head')).rows) cursor.set(row.replica_id, Number(row.seq));
  return cursor;
}

/** Rows appended to any chain past the cursor (which moves), merged by time. */
export async function eventsAfterPg(client: pg.Client, cursor: TailCursor, limit = 1000): Promise<PostgresEventRow[]> {
  const chains: PostgresEventRow[][] = [];
  for (const replica of await replicas(client)) {
    const fresh = (await client.query('SELECT * FROM events WHERE replica_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [replica, cursor.get(replica) ?? 0, limit])).rows.map(toEventRow);
    if (fresh.length > 0) cursor.set(replica, fresh.at(-1)!.seq);
    chains.push(fresh);
  }
  return mergeByTime(chains);
}

/** Every event, chain by chain in chain order (optionally within a time range), read in pages. */
export async function* iterateEventsPg(client: pg.Client, range: { since?: Date; until?: Date } = {}, pageRows = 5000): AsyncGenerator<PostgresEventRow> {
  let after = { replica: '', seq: -1 };
  for (;;) {
    const page = (
      await client.query(
        'SELECT * FROM events WHERE (replica_id, seq) > ($1, $2) AND time >= $3 AND time < $4 ORDER BY replica_id, seq LIMIT $5',
        [after.replica, after.seq, range.since?.toISOString() ?? '', range.until?.toISOString() ?? '9999', pageRows],
      )
    ).rows.map(toEventRow);
    yield* page;
    if (page.length < pageRows) return;
    after = { replica: page.at(-1)!.replica_id, seq: page.at(-1)!.seq };
  }
}
