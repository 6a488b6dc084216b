import { setTimeout as sleep } from 'node:timers/promises';
import { chainKey, closeIncompleteCalls, describeUrl, migrateToPostgres, openAuditReader, pruneAudit, type AuditReader, type AuditTarget, type ChainKey, type EventRow } from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';
import { auditTargetOf } from './audit-target.ts';
import { verifyCommand } from './audit-verify.ts';
import { KEYS_USAGE, keysCommand, retiredKeysOf } from './audit-keys.ts';
import { SHOWN_USAGE, parseShownOptions, renderShown, shownAnswer } from './audit-shown.ts';
import { WardenError } from '../errors.ts';
import {
  parseCloseIncompleteOptions, parseExportOptions, parseMigrateOptions, parsePruneOptions, parseQueryOptions, parseStatsOptions, parseTailOptions, parseVerifyOptions,
} from './audit-options.ts';
import {
  type OutputFormat, eventJson, renderDecisions, renderEventLine, renderPrune, renderPruneReplicas, renderStats, renderVerify, renderVerifyReplicas,
} from './audit-render.ts';
import { wantsHelp } from './args.ts';
import { paintFor } from './colour.ts';
import { renderJson } from './render.ts';
import { EXIT, failWith } from './exit-codes.ts';

/** Each subcommand's flags, as `warden audit SUB --help` prints them (and `warden audit --help` all). */
const SUBCOMMAND_USAGE: Record<string, string> = {
  query: `query   [--since 1h|ISO] [--until ...] [--sub S] [--tool GLOB] [--server S]
          [--decision allow|deny] [--method M] [--kind K] [--limit N] [--json | --csv]
          (decisions newest first, with the client, workflow/step and outcome of each;
          logging/setLevel rows only with --method logging/setLevel;
          --kind outcome|authn_failure|policy_reload|tool_pin|...: the newest rows of that kind,
          oldest first, one line each as tail prints them)`,
  tail: 'tail    [-n N] [-f] [--interval MS] [--json]',
  stats: 'stats   [--since ...] [--until ...] [--by sub|tool|decision|server] [--json | --csv]   (--by tool|server: rows with one)',
  export: 'export  [--format jsonl] [--since ...] [--until ...]   (every event, one JSON object a line)',
  verify: `verify  [--expect SEQ:HASH ...] [--checkpoints FILE --public-key FILE ...] [--json]
          (--expect: a lastSeq:lastHash kept from an earlier --json run; PostgreSQL: REPLICA:SEQ:HASH,
          every replica's chain is verified. --checkpoints: the signed checkpoints of
          audit.checkpoint, each checked; the first the trail no longer matches is named)`,
  prune: 'prune   --older-than 30d [--json]',
  shown: SHOWN_USAGE,
  keys: KEYS_USAGE,
  'close-incomplete': 'close-incomplete --replica ID [--json]     (PostgreSQL: close the calls a dead replica left open)',
  migrate: 'migrate --to postgres://... --replica ID   (copy a SQLite trail into PostgreSQL as that replica\'s chain)',
};

const USAGE_TAIL = `
  --db PATH|URL  the audit database: a SQLite file (default warden-audit.db in the working
                 directory) or a postgres://... URL
  --config FILE  read audit.path or audit.url from the gateway's config file instead
  durations (--since, --until, --older-than): 90s, 15m, 1h, 7d, 2w

exit codes: 0 done (verify: chain intact), 1 verify found the chain broken or the query index wrong,
            or a command failed,
            2 bad command line, 3 the database cannot be opened or has an unknown schema
`;

const indent = (text: string): string => text.replace(/^/gm, '  ');

const USAGE_TEXT = `usage: warden audit <command> [--db PATH | --config FILE] [options]

${Object.values(SUBCOMMAND_USAGE).map(indent).join('\n')}
${USAGE_TAIL}`;

const subcommandUsage = (command: string): string =>
  `usage: warden audit ${SUBCOMMAND_USAGE[command]!.replace(/^(\S+)\s+/, '$1 [--db PATH | --config FILE] ')}\n${USAGE_TAIL}`;

/** Where output goes and what time it is: injected so tests read real output without a TTY. */
export interface AuditCliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  now: () => Date;
  /** Ends `tail -f`; by default SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

const processIo = (): AuditCliIo => ({ stdout: process.stdout, now: () => new Date() });

type Source = { db?: string | undefined; config?: string | undefined };

function databasePath(source: Source): string {
  const target = auditTargetOf(source);
  if (target.backend !== 'sqlite') throw new WardenError('USAGE', 'this command reads a SQLite audit file: give --db PATH');
  return target.path;
}

/**
 * The chain key of a keyed log: audit.chain_key of `--config`, else WARDEN_AUDIT_CHAIN_KEY (the
 * variable a config would expand). Never a flag: a command line is visible to every local user.
 */
function chainKeyOf(source: Source): ChainKey | undefined {
  const secret = source.config !== undefined ? loadConfig(source.config).audit.chain_key : process.env.WARDEN_AUDIT_CHAIN_KEY;
  return secret === undefined || secret === '' ? undefined : chainKey(secret);
}

/** The trail of `target`, open for reading while `use` runs. */
async function withReader<T>(target: AuditTarget, use: (reader: AuditReader) => Promise<T>): Promise<T> {
  const reader = await openAuditReader(target);
  try {
    return await use(reader);
  } finally {
    await reader.close();
  }
}

/**
 * Rows `query` and `stats` leave out unless `--method` names them: a client that sets the log level
 * on every connection would otherwise crowd the calls out of the newest 50.
 */
const HIDDEN_METHODS = ['logging/setLevel'];

const formatOf = (options: { json: boolean; csv?: boolean }): OutputFormat => (options.json ? 'json' : options.csv ? 'csv' : 'table');

export async function run(args: string[], io: AuditCliIo = processIo()): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? process.stderr : io.stdout).write(USAGE_TEXT);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (Object.hasOwn(SUBCOMMAND_USAGE, command) && wantsHelp(rest)) {
    io.stdout.write(subcommandUsage(command));
    return EXIT.OK;
  }
  try {
    switch (command) {
      case 'query': {
        const { limit, json, csv, db, config, kind, ...options } = parseQueryOptions(rest, io.now());
        if (kind !== 'decision') {
          if (csv) throw new WardenError('USAGE', '--csv: only for decision rows; use --json with --kind');
          const rows = await withReader(auditTargetOf({ db, config }), (reader) => reader.eventsOfKind(kind, options, limit));
          const paint = paintFor(io.stdout);
          for (const row of rows) io.stdout.write(json ? `${JSON.stringify(eventJson(row))}\n` : renderEventLine(row, paint));
          return EXIT.OK;
        }
        const filter = { ...options, hideMethods: HIDDEN_METHODS };
        const records = await withReader(auditTargetOf({ db, config }), (reader) => reader.queryDecisions(filter, limit));
        io.stdout.write(renderDecisions(records, formatOf({ json, csv }), paintFor(io.stdout)));
        return EXIT.OK;
      }
      case 'stats': {
        const { by, json, csv, db, config, ...options } = parseStatsOptions(rest, io.now());
        const filter = { ...options, hideMethods: HIDDEN_METHODS };
        const stats = await withReader(auditTargetOf({ db, config }), (reader) => reader.decisionStats(filter, by));
        io.stdout.write(renderStats(stats, by, formatOf({ json, csv })));
        return EXIT.OK;
      }
      case 'tail':
        return await tail(rest, io);
      case 'export': {
        const options = parseExportOptions(rest, io.now());
        await withReader(auditTargetOf(options), async (reader) => {
          for await (const row of reader.events(options)) io.stdout.write(`${JSON.stringify(eventJson(row))}\n`);
        });
        return EXIT.OK;
      }
      case 'verify': {
        const options = parseVerifyOptions(rest);
        return await verifyCommand(options, {
          write: (text) => void io.stdout.write(text), paint: paintFor(io.stdout), withReader, key: chainKeyOf(options), retiredKeys: retiredKeysOf(options),
        });
      }
      case 'keys':
        await keysCommand(rest, { write: (text) => void io.stdout.write(text), now: io.now, keyOf: chainKeyOf });
        return EXIT.OK;
      case 'shown': {
        const options = parseShownOptions(rest, io.now());
        io.stdout.write(renderShown(await shownAnswer(options), options.json));
        return EXIT.OK;
      }
      case 'prune': {
        const options = parsePruneOptions(rest);
        const cutoff = new Date(io.now().getTime() - options['older-than']);
        const pruned = await pruneAudit(auditTargetOf(options), cutoff, { now: io.now, key: chainKeyOf(options) });
        io.stdout.write(pruned.backend === 'postgres' ? renderPruneReplicas(pruned.results, options.json) : renderPrune(pruned.result, options.json));
        return EXIT.OK;
      }
      case 'close-incomplete': {
        const options = parseCloseIncompleteOptions(rest);
        const target = auditTargetOf(options);
        if (target.backend !== 'postgres') throw new WardenError('USAGE', 'close-incomplete is for the postgres backend: a SQLite gateway closes its own open calls when it starts');
        const result = await closeIncompleteCalls(target.settings, options.replica, io.now, chainKeyOf(options));
        io.stdout.write(options.json ? renderJson(result) : `closed ${result.closed} open calls of replica ${result.replica} as incomplete\n`);
        return EXIT.OK;
      }
      case 'migrate': {
        const options = parseMigrateOptions(rest);
        const result = await migrateToPostgres(databasePath(options), options.to, options.replica, io.now);
        io.stdout.write(options.json ? renderJson(result) : `copied ${result.rows} rows into ${describeUrl(options.to)} as the chain of replica ${result.replica}; check it with warden audit verify --db URL\n`);
        return EXIT.OK;
      }
      default:
        process.stderr.write(`warden audit: unknown command "${command}"\n\n${USAGE_TEXT}`);
        return EXIT.USAGE;
    }
  } catch (error) {
    return failWith(error);
  }
}

async function tail(args: string[], io: AuditCliIo): Promise<number> {
  const options = parseTailOptions(args);
  const paint = paintFor(io.stdout);
  const print = (row: EventRow): void => {
    io.stdout.write(options.json ? `${JSON.stringify(eventJson(row))}\n` : renderEventLine(row, paint));
  };
  const reader = await openAuditReader(auditTargetOf(options));
  const feed = reader.tail();
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  try {
    for (const row of await feed.last(options.lines)) print(row);
    if (!options.follow) return EXIT.OK;
    io.signal?.addEventListener('abort', abort, { once: true });
    process.once('SIGINT', abort).once('SIGTERM', abort);
    // Polling is cheap (a SQLite WAL read sees every commit made before it started; PostgreSQL
    // reads by each chain's seq) and needs nothing from the writers, which may be stopped.
    while (!stop.signal.aborted) {
      // Rejects (AbortError) when stopped: that simply ends the wait.
      await sleep(options.interval, undefined, { signal: stop.signal }).catch(() => undefined);
      for (const row of await feed.next()) print(row);
    }
    return EXIT.OK;
  } finally {
    process.off('SIGINT', abort).off('SIGTERM', abort);
    io.signal?.removeEventListener('abort', abort);
    await reader.close();
  }
}
