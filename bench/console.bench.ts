/**
 * The console's reads over a large trail (issue 16: paging over 1M rows "without slowing down").
 * 1,000,000 rows (700k decisions over 30 days, 300k outcomes) written into the first schema
 * version and upgraded (the indexes sorted once), then read through the audit module's reader as
 * the console reads them: the newest page, a page 200 pages deep by keyset, filtered pages, the
 * live tail's query, a decision's page and the Overview. Best and median of 7 runs each, and the
 * main thread's busy time per read (what a gateway serving calls loses) and the longest the event
 * loop stood still during any of them (on a loaded machine this includes waiting for a core).
 * Run alone: `node --import tsx bench/console.bench.ts`.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { type DecisionFilter, openConsoleReader } from '../src/audit/index.ts';
import { createIndexBatch } from '../src/audit/sqlite/decision-indexer.ts';
import { loadMigrations, migrate } from '../src/audit/sqlite/migrations.ts';
import { fillSynthetic, tempDir } from '../testkit/support/audit.ts';

const RUNS = 7;
const end = new Date();
const { dir, cleanup } = tempDir('console-bench');
const path = join(dir, 'million.db');
try {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const migrations = loadMigrations();
  migrate(db, migrations.slice(0, 1));
  fillSynthetic(db, 700_000, 300_000, end);
  migrate(db, migrations);
  const index = createIndexBatch(db);
  while (index(100_000) > 0);
  db.pragma('optimize = 0x10002');
  db.close();

  const reader = openConsoleReader(path);
  const time = async (run: () => Promise<unknown>): Promise<{ best: number; median: number; busy: number; stall: number }> => {
    const samples: number[] = [];
    const busy: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    for (let i = 0; i < RUNS; i += 1) {
      const before = performance.eventLoopUtilization();
      const started = performance.now();
      await run();
      samples.push(performance.now() - started);
      // A stall is recorded when the monitor's timer finally fires: give it the turn it waited for.
      await sleep(5);
      busy.push(performance.eventLoopUtilization(before).active);
    }
    loop.disable();
    samples.sort((a, b) => a - b);
    busy.sort((a, b) => a - b);
    return { best: samples[0]!, median: samples[Math.floor(RUNS / 2)]!, busy: busy[Math.floor(RUNS / 2)]!, stall: loop.max / 1e6 };
  };
  /** The `before` cursor `depth` pages of 50 down, walked once (as a user clicking "Older" would). */
  const deep = async (filter: DecisionFilter, depth: number): Promise<DecisionFilter> => {
    let cursor = filter;
    for (let i = 0; i < depth; i += 1) {
      const last = (await reader.decisions(cursor, 50)).at(-1);
      if (last === undefined) break;
      cursor = { ...filter, before: { time: last.time, seq: last.seq } };
    }
    return cursor;
  };
  const newest = (await reader.decisions({}, 1))[0]!;
  const rows: Array<[string, () => Promise<unknown>]> = [
    ['newest page (50)', () => reader.decisions({}, 50)],
    ['page 200 deep (keyset)', ((f) => () => reader.decisions(f, 50))(await deep({}, 200))],
    ['principal, first page', () => reader.decisions({ sub: 'user-42' }, 50)],
    ['principal, 20 pages deep', ((f) => () => reader.decisions(f, 50))(await deep({ sub: 'user-42' }, 20))],
    ['tool glob srv3__*, first page', () => reader.decisions({ tool: 'srv3__*' }, 50)],
    ['tool glob, 50 pages deep', ((f) => () => reader.decisions(f, 50))(await deep({ tool: 'srv3__*' }, 50))],
    ['denied, 50 pages deep', ((f) => () => reader.decisions(f, 50))(await deep({ decision: 'deny' }, 50))],
    ['workflow (none recorded)', () => reader.decisions({ workflow: 'weekly' }, 50)],
    ['live tail poll (nothing new)', () => reader.decisions({ since: new Date(newest.time), afterSeq: newest.seq }, 100)],
    ['a decision page', () => reader.decision(newest.seq)],
    ['overview, last 24 h (~23k decisions)', () => reader.overview({ since: new Date(end.getTime() - 86_400_000), until: end }, 48)],
    ['overview, last 7 d (~163k decisions)', () => reader.overview({ since: new Date(end.getTime() - 7 * 86_400_000), until: end }, 48)],
  ];
  process.stdout.write(`| read, 1M rows | best ms | median ms | main thread busy, median ms | longest event-loop stall ms |\n|---|---|---|---|---|\n`);
  for (const [name, run] of rows) {
    const { best, median, busy, stall } = await time(run);
    process.stdout.write(`| ${name} | ${best.toFixed(2)} | ${median.toFixed(2)} | ${busy.toFixed(2)} | ${stall.toFixed(1)} |\n`);
  }
  await reader.close();
} finally {
  cleanup();
}
