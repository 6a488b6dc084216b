import type pg from 'pg';
import type { AuditConfig } from '../config.ts';
import { type BucketRow, bucketMsOf, chartsOf, type ConsoleReader, detailOf, LIFECYCLE_KINDS, type Overview, principalOf, SIBLING_WINDOW_MS, workflowOf } from '../console-reader.ts';
import { type JoinedRow, toRecord } from '../decisions.ts';
import { connect, describeUrl } from './connection.ts';
import { checkPostgresSchema, loadPostgresMigrations } from './migrations.ts';
import { queryDecisionsPg } from './query.ts';
import { type PostgresEventRow, toEventRow } from './rows.ts';

/**
 * The console's reader (../console-reader.ts) of the PostgreSQL trail: its own connection, the
 * schema checked and never migrated, the decision list through the CLI's reader (query.ts). Rows
 * of every replica are shown; a row is named by replica and seq. A lost connection is opened
 * again by the next read.
 */
const OUTCOME_OF = "SELECT * FROM events WHERE replica_id = $1 AND kind = 'outcome' AND decision_id = $2 ORDER BY seq LIMIT 1";
const JOINED = `SELECT d.*, o.outcome AS o_outcome, o.data AS o_data FROM events d
  LEFT JOIN events o ON o.replica_id = d.replica_id AND o.kind = 'outcome' AND o.decision_id = d.decision_id`;

export async function openPostgresConsoleReader(config: AuditConfig): Promise<ConsoleReader> {
  const settings = { ...config, url: config.url ?? '' };
  let current: Promise<pg.Client> | undefined;
  const open = async (): Promise<pg.Client> => {
    const client = await connect(settings, 'mcp-warden console', () => {
      current = undefined;
    });
    await checkPostgresSchema(client, describeUrl(settings.url), loadPostgresMigrations()).catch(async (error: unknown) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    return client;
  };
  const client = (): Promise<pg.Client> =>
    (current ??= open().catch((error: unknown) => {
      current = undefined;
      throw error;
    }));
  // One connection, one query at a time (pg deprecates overlapping queries on a client): two
  // console pages asked at once take turns.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const run = queue.then(async () => work(await client()));
    queue = run.catch(() => undefined);
    return run;
  };
  const rowsOf = async (c: pg.Client, sql: string, params: unknown[]): Promise<PostgresEventRow[]> => (await c.query(sql, params)).rows.map(toEventRow);
  await client();

  const siblings = async (c: pg.Client, row: PostgresEventRow, workflow: string) => {
    const at = Date.parse(row.time);
    const found = await rowsOf(
      c,
      `${JOINED} WHERE d.replica_id = $1 AND d.kind = 'decision' AND d.time >= $2 AND d.time <= $3 AND d.request_id IS NOT DISTINCT FROM $4
         AND d.session_id IS NOT DISTINCT FROM $5 AND d.seq <> $6
         AND ((d.data::json -> 'workflow' ->> 'name') = $7 OR (d.public_name = $7 AND d.upstream = 'warden')) ORDER BY d.seq`,
      [row.replica_id, new Date(at - SIBLING_WINDOW_MS).toISOString(), new Date(at + SIBLING_WINDOW_MS).toISOString(), row.request_id, row.session_id, row.seq, workflow],
    );
    return found.map((other) => toRecord(other as PostgresEventRow & JoinedRow));
  };

  return {
    decisions: (filter, limit) => serial((c) => queryDecisionsPg(c, filter, limit)),
    decision: (seq, replica) =>
      serial(async (c) => {
        const [row] = await rowsOf(c, `${JOINED} WHERE d.kind = 'decision' AND d.seq = $1 AND ($2::text IS NULL OR d.replica_id = $2) ORDER BY d.time DESC LIMIT 1`, [seq, replica ?? null]);
        if (row === undefined) return undefined;
        const record = toRecord(row as PostgresEventRow & JoinedRow);
        const [outcome] = row.decision_id === null ? [] : await rowsOf(c, OUTCOME_OF, [row.replica_id, row.decision_id]);
        const [head] = (await c.query<{ seq: string; time: string }>('SELECT seq, time FROM chain_head WHERE replica_id = $1', [row.replica_id])).rows;
        const workflow = workflowOf(record);
        return detailOf(row, record, outcome, workflow === null ? [] : await siblings(c, row, workflow), head && { seq: Number(head.seq), time: head.time });
      }),
    overview: (range, buckets) => serial((c) => overview(c, range, buckets)),
    principals: (limit) =>
      serial(async (c) => {
        // One seek per distinct name on the (sub, time) index: PostgreSQL 15 has no skip scan.
        const { rows: subs } = await c.query<{ sub: string }>(
          `WITH RECURSIVE subs(sub) AS (
             (SELECT sub FROM events WHERE kind = 'decision' AND sub IS NOT NULL ORDER BY sub LIMIT 1)
             UNION ALL SELECT (SELECT e.sub FROM events e WHERE e.kind = 'decision' AND e.sub > subs.sub ORDER BY e.sub LIMIT 1) FROM subs WHERE subs.sub IS NOT NULL
           ) SELECT sub FROM subs WHERE sub IS NOT NULL LIMIT $1`,
          [limit],
        );
        return subs.map((row) => row.sub);
      }),
    recordedPrincipal: (sub) =>
      serial(async (c) => principalOf((await rowsOf(c, "SELECT * FROM events WHERE kind = 'decision' AND sub = $1 ORDER BY time DESC, replica_id DESC, seq DESC LIMIT 1", [sub]))[0])),
    async close() {
      const open = current;
      current = undefined;
      await (await open?.catch(() => undefined))?.end().catch(() => undefined);
    },
  };
}

async function overview(client: pg.Client, range: { since: Date; until: Date }, buckets: number): Promise<Overview> {
  const since = range.since.toISOString();
  const until = range.until.toISOString();
  const bucketMs = bucketMsOf(range, buckets);
  const grouped = async (key: string): Promise<BucketRow[]> =>
    (
      await client.query<BucketRow>(
        `SELECT floor((extract(epoch FROM time::timestamptz) * 1000 - $3) / $4)::int AS b, ${key} AS key,
           count(*)::int AS calls, (count(*) FILTER (WHERE decision = 'deny'))::int AS denied
         FROM events WHERE kind = 'decision' AND time >= $1 AND time < $2 GROUP BY b, key`,
        [since, until, range.since.getTime(), bucketMs],
      )
    ).rows;
  const perTool = await grouped('public_name');
  const perPrincipal = await grouped('sub');
  const topDenied = await client.query<Overview['topDenied'][number]>(
    `SELECT public_name AS tool, count(*)::int AS denied FROM events WHERE kind = 'decision' AND decision = 'deny' AND time >= $1 AND time < $2
     GROUP BY public_name ORDER BY denied DESC LIMIT 10`,
    [since, until],
  );
  const errorCodes = await client.query<Overview['errorCodes'][number]>(
    `SELECT kind, code, count(*)::int AS count FROM events WHERE time >= $1 AND time < $2 AND kind IN ('decision', 'outcome') AND code IS NOT NULL
     GROUP BY kind, code ORDER BY count DESC LIMIT 20`,
    [since, until],
  );
  const history = await client.query<{ seq: string; time: string; kind: string; data: string }>(
    'SELECT seq, time, kind, data FROM events WHERE kind = ANY($1) ORDER BY time DESC, seq DESC LIMIT 20',
    [[...LIFECYCLE_KINDS]],
  );
  const head = await client.query<{ seq: string; hash: string; time: string }>('SELECT seq, hash, time FROM chain_head ORDER BY time DESC LIMIT 1');
  const newest = head.rows[0];
  return {
    since,
    until,
    bucketMs,
    ...chartsOf(range, buckets, bucketMs, perTool, perPrincipal),
    topDenied: topDenied.rows,
    errorCodes: errorCodes.rows,
    history: history.rows.map((row) => ({ seq: Number(row.seq), time: row.time, kind: row.kind, detail: JSON.parse(row.data) as Record<string, unknown> })),
    head: newest === undefined ? null : { seq: Number(newest.seq), hash: newest.hash, time: newest.time },
  };
}
