/**
 * The audit module's reader API: what `warden audit` (and later the console) reads from an
 * existing trail, on either backend, without knowing which. Nothing is created or migrated: the
 * schema must be exactly the one this code knows (AUDIT_SCHEMA_MISMATCH otherwise).
 */
import type Database from 'better-sqlite3';
import { type ShownQuery, type ShownRecord, shownAt } from './shown.ts';
import { queryPinSql } from './postgres/pins.ts';
import { sqlitePinSql } from './sqlite/pins.ts';
import type pg from 'pg';
import type { EventKind, EventRow } from './chain.ts';
import type { DecisionFilter, DecisionRecord, StatsKey, StatsRow } from './decisions.ts';
import type { AuditTarget } from './target.ts';
import { connect, describeUrl, type PostgresSettings } from './postgres/connection.ts';
import { checkPostgresSchema, loadPostgresMigrations } from './postgres/migrations.ts';
import { decisionStatsPg, eventsAfterPg, eventsOfKindPg, iterateEventsPg, lastEventsPg, queryDecisionsPg, tailCursor, type TailCursor } from './postgres/query.ts';
import { verifyPostgres, type PostgresVerifyReport, type ReplicaMark } from './postgres/verify.ts';
import { readTrail, readTrailRows, trailError } from './sqlite/database.ts';
import { openCheckedReader } from './sqlite/migrations.ts';
import { decisionStats, eventsAfter, eventsOfKind, iterateEvents, lastEvents, queryDecisions } from './sqlite/query.ts';
import { verifyChain, type ChainMark, type VerifyOptions, type VerifyReport } from './sqlite/verify.ts';

/** What `tail` reads: the last rows, then whatever was appended since (by seq; per replica on PostgreSQL). */
interface TailFeed {
  last(lines: number): Promise<EventRow[]>;
  next(): Promise<EventRow[]>;
}

interface CommonReader {
  /** Decisions newest first, each with its outcome. */
  queryDecisions(filter: DecisionFilter, limit: number): Promise<DecisionRecord[]>;
  /** `audit query --kind`: the newest `limit` rows of one kind in a time range, oldest first. */
  eventsOfKind(kind: EventKind, range: { since?: Date; until?: Date }, limit: number): Promise<EventRow[]>;
  decisionStats(filter: DecisionFilter, by: StatsKey): Promise<StatsRow[]>;
  /** Every event in the range, in chain order (each chain in turn on PostgreSQL). */
  events(range: { since?: Date; until?: Date }): AsyncIterable<EventRow>;
  tail(): TailFeed;
  /** What a principal had been shown as of a time (shown.ts). */
  shown(query: ShownQuery): Promise<ShownRecord[]>;
  close(): Promise<void>;
}

/** A SQLite trail has one chain: a mark is SEQ:HASH. */
export interface SqliteAuditReader extends CommonReader {
  backend: 'sqlite';
  verify(options: { expected: readonly ChainMark[]; key: VerifyOptions['key']; retiredKeys?: VerifyOptions['retiredKeys'] }): Promise<VerifyReport>;
}

/** PostgreSQL keeps one chain per replica: a mark names its replica. */
export interface PostgresAuditReader extends CommonReader {
  backend: 'postgres';
  verify(options: { expected: readonly ReplicaMark[]; key: VerifyOptions['key']; retiredKeys?: VerifyOptions['retiredKeys'] }): Promise<PostgresVerifyReport>;
}

export type AuditReader = SqliteAuditReader | PostgresAuditReader;

export async function openAuditReader(target: AuditTarget): Promise<AuditReader> {
  return target.backend === 'postgres' ? openPostgresReader(target.settings) : openSqliteReader(target.path);
}

/** A connection to a migrated PostgreSQL audit database (readers never migrate it). */
export async function connectMigrated(settings: PostgresSettings, application: string): Promise<pg.Client> {
  const client = await connect(settings, application);
  try {
    await checkPostgresSchema(client, describeUrl(settings.url), loadPostgresMigrations());
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

async function openPostgresReader(settings: PostgresSettings): Promise<PostgresAuditReader> {
  const client = await connectMigrated(settings, 'mcp-warden audit cli');
  return {
    backend: 'postgres',
    queryDecisions: (filter, limit) => queryDecisionsPg(client, filter, limit),
    eventsOfKind: (kind, range, limit) => eventsOfKindPg(client, kind, range, limit),
    decisionStats: (filter, by) => decisionStatsPg(client, filter, by),
    events: (range) => iterateEventsPg(client, range),
    shown: (query) => shownAt(queryPinSql(client), query),
    verify: ({ expected, key, retiredKeys = [] }) => verifyPostgres(client, { expected, retiredKeys, ...(key === undefined ? {} : { key }) }),
    tail() {
      let cursor: TailCursor = new Map();
      return {
        async last(lines) {
          cursor = await tailCursor(client);
          const rows = await lastEventsPg(client, lines);
          for (const row of rows) cursor.set(row.replica_id, Math.max(cursor.get(row.replica_id) ?? 0, row.seq));
          return rows;
        },
        next: () => eventsAfterPg(client, cursor),
      };
    },
    close: () => client.end().catch(() => undefined),
  };
}

async function openSqliteReader(path: string): Promise<SqliteAuditReader> {
  const db = openCheckedReader(path);
  const read = <T>(query: () => T): Promise<T> => new Promise((resolve) => resolve(readTrail(path, query)));
  return {
    backend: 'sqlite',
    queryDecisions: (filter, limit) => read(() => queryDecisions(db, filter, limit)),
    eventsOfKind: (kind, range, limit) => read(() => eventsOfKind(db, kind, range, limit)),
    decisionStats: (filter, by) => read(() => decisionStats(db, filter, by)),
    events: (range) => (async function* () { yield* readTrailRows(path, () => iterateEvents(db, range)); })(),
    shown: (query) => shownAt(sqlitePinSql(db), query).catch((error: unknown) => Promise.reject(trailError(path, error))),
    verify: ({ expected, key, retiredKeys = [] }) => read(() => verifyChain(db, { expected, key, retiredKeys })),
    tail() {
      let seq = 0;
      const advance = (rows: EventRow[]): EventRow[] => ((seq = rows.at(-1)?.seq ?? seq), rows);
      return { last: (lines) => read(() => advance(lastEvents(db, lines))), next: () => read(() => advance(eventsAfter(db, seq))) };
    },
    close: async () => void db.close(),
  };
}
