import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { type ChainKey, chainKey } from '../audit/chain.ts';
import { auditConfigSchema } from '../audit/config.ts';
import { openReaderDatabase, openWriterDatabase } from '../audit/sqlite/database.ts';
import { checkSchema, loadMigrations } from '../audit/sqlite/migrations.ts';
import { pruneBefore } from '../audit/sqlite/prune.ts';
import { decisionStats, eventsAfter, iterateEvents, lastEvents, queryDecisions } from '../audit/sqlite/query.ts';
import { verifyChain } from '../audit/sqlite/verify.ts';
import { loadConfig } from '../config/load.ts';
import { WardenError } from '../errors.ts';
import {
  parseExportOptions, parsePruneOptions, parseQueryOptions, parseStatsOptions, parseTailOptions, parseVerifyOptions,
} from './audit-options.ts';
import {
  type OutputFormat, eventJson, renderDecisions, renderEventLine, renderPrune, renderStats, renderVerify,
} from './audit-render.ts';
import { EXIT, failWith } from './exit-codes.ts';

const USAGE_TEXT = `usage: warden audit <command> [--db PATH | --config FILE] [options]

  query   [--since 1h|ISO] [--until ...] [--sub S] [--tool GLOB] [--server S]
          [--decision allow|deny] [--method M] [--limit N] [--json | --csv]
  tail    [-n N] [-f] [--interval MS] [--json]
  stats   [--since ...] [--until ...] [--by sub|tool|decision|server] [--json | --csv]
  export  --format jsonl [--since ...] [--until ...]
  verify  [--expect SEQ:HASH ...] [--json]   (--expect: a lastSeq:lastHash kept from an earlier --json run)
  prune   --older-than 30d [--json]

  --db PATH      the audit database (default warden-audit.db in the working directory)
  --config FILE  read audit.path from the gateway's config file instead

exit codes: 0 done (verify: chain intact), 1 verify found the chain broken or the query index wrong,
            or a command failed,
            2 bad command line, 3 the database cannot be opened or has an unknown schema
`;

/** Where output goes and what time it is: injected so tests read real output without a TTY. */
export interface AuditCliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  now: () => Date;
  /** Ends `tail -f`; by default SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

const processIo = (): AuditCliIo => ({ stdout: process.stdout, now: () => new Date() });

type Source = { db?: string | undefined; config?: string | undefined };

/**
 * `--db`, else `audit.path` of `--config` through the gateway's own loader (relative to the
 * config file's directory, as `warden serve` resolves it), else the default in the working directory.
 */
function databasePath(source: Source): string {
  if (source.db !== undefined) return source.db;
  if (source.config !== undefined) {
    const config = loadConfig(source.config);
    return isAbsolute(config.audit.path) ? config.audit.path : resolve(config.baseDir, config.audit.path);
  }
  return auditConfigSchema.parse({}).path;
}

/**
 * The chain key of a keyed log: audit.chain_key of `--config`, else WARDEN_AUDIT_CHAIN_KEY (the
 * variable a config would expand). Never a flag: a command line is visible to every local user.
 */
function chainKeyOf(source: Source): ChainKey | undefined {
  const secret = source.config !== undefined ? loadConfig(source.config).audit.chain_key : process.env.WARDEN_AUDIT_CHAIN_KEY;
  return secret === undefined || secret === '' ? undefined : chainKey(secret);
}

function withReader<T>(source: Source, use: (db: Database.Database) => T): T {
  const db = openReaderDatabase(databasePath(source));
  try {
    checkSchema(db, loadMigrations());
    return use(db);
  } finally {
    db.close();
  }
}

const formatOf = (options: { json: boolean; csv?: boolean }): OutputFormat => (options.json ? 'json' : options.csv ? 'csv' : 'table');

export async function run(args: string[], io: AuditCliIo = processIo()): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout.write(USAGE_TEXT);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  try {
    switch (command) {
      case 'query': {
        const { limit, json, csv, db, config, ...filter } = parseQueryOptions(rest, io.now());
        const records = withReader({ db, config }, (reader) => queryDecisions(reader, filter, limit));
        io.stdout.write(renderDecisions(records, formatOf({ json, csv }), io.stdout.isTTY === true));
        return EXIT.OK;
      }
      case 'stats': {
        const { by, json, csv, db, config, ...filter } = parseStatsOptions(rest, io.now());
        const stats = withReader({ db, config }, (reader) => decisionStats(reader, filter, by));
        io.stdout.write(renderStats(stats, by, formatOf({ json, csv })));
        return EXIT.OK;
      }
      case 'tail':
        return await tail(rest, io);
      case 'export': {
        const options = parseExportOptions(rest, io.now());
        withReader(options, (reader) => {
          for (const row of iterateEvents(reader, options)) io.stdout.write(`${JSON.stringify(eventJson(row))}\n`);
        });
        return EXIT.OK;
      }
      case 'verify': {
        const options = parseVerifyOptions(rest);
        const report = withReader(options, (reader) => verifyChain(reader, { expected: options.expect, key: chainKeyOf(options) }));
        io.stdout.write(renderVerify(report, options.json));
        return report.ok ? EXIT.OK : EXIT.FAILURE;
      }
      case 'prune': {
        const options = parsePruneOptions(rest);
        const result = prune(databasePath(options), new Date(io.now().getTime() - options['older-than']), io.now, chainKeyOf(options));
        io.stdout.write(renderPrune(result, options.json));
        return EXIT.OK;
      }
      default:
        throw new WardenError('USAGE', `unknown audit command "${command}"; expected query, tail, stats, export, verify or prune`);
    }
  } catch (error) {
    return failWith(error);
  }
}

/** The one writing command: goes through the writer's open path, so its settings and checks apply. */
function prune(path: string, cutoff: Date, now: () => Date, key: ChainKey | undefined) {
  if (!existsSync(path)) throw new WardenError('AUDIT_UNAVAILABLE', `no audit database at ${path}`);
  const db = openWriterDatabase(auditConfigSchema.parse({ path }));
  try {
    checkSchema(db, loadMigrations());
    return pruneBefore(db, cutoff, { now, key });
  } finally {
    db.close();
  }
}

async function tail(args: string[], io: AuditCliIo): Promise<number> {
  const options = parseTailOptions(args);
  const print = (row: Parameters<typeof renderEventLine>[0]): void => {
    io.stdout.write(options.json ? `${JSON.stringify(eventJson(row))}\n` : renderEventLine(row));
  };
  const db = openReaderDatabase(databasePath(options));
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  try {
    checkSchema(db, loadMigrations());
    let last = 0;
    for (const row of lastEvents(db, options.lines)) {
      print(row);
      last = row.seq;
    }
    if (!options.follow) return EXIT.OK;
    io.signal?.addEventListener('abort', abort, { once: true });
    process.once('SIGINT', abort).once('SIGTERM', abort);
    // Polling a WAL database is cheap (a read sees every commit made before it started) and
    // needs nothing from the writer, which may be another process or stopped altogether.
    while (!stop.signal.aborted) {
      // Rejects (AbortError) when stopped: that simply ends the wait.
      await sleep(options.interval, undefined, { signal: stop.signal }).catch(() => undefined);
      for (const row of eventsAfter(db, last)) {
        print(row);
        last = row.seq;
      }
    }
    return EXIT.OK;
  } finally {
    process.off('SIGINT', abort).off('SIGTERM', abort);
    io.signal?.removeEventListener('abort', abort);
    db.close();
  }
}
