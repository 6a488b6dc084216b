/**
 * What the PostgreSQL audit backend costs (src/audit/postgres/): a real server from the Debian
 * package with fsync and synchronous_commit on (testkit/support/postgres.ts, durable), loopback.
 * - `await recordDecision` before forwarding, sequential: p50/p99 (what auditing adds to a call);
 * - 3 writer processes (3 replicas, one chain each) x 16 calls in flight into one database:
 *   decisions/s over all (issue 14: >= 12,000), each process's group commit keeping one
 *   transaction in flight, so a commit carries at most 16 rows;
 * - the same writers with 64 calls in flight each: from the two CPU costs per decision, what a
 *   commit costs whatever it carries and what each row adds (cost = per commit / rows + per row),
 *   on both sides. That split, not decisions/s, is what sizes a cluster (README, Performance).
 * Run alone: `node --import tsx bench/audit-postgres.bench.ts [--no-fsync]`; `--no-fsync` turns
 * fsync off on the server, which leaves the CPU cost of the path (on a busy disk the WAL flush is
 * the whole number: compare with `pg_test_fsync`).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { auditConfigSchema } from '../src/audit/config.ts';
import { openPostgresAuditStore } from '../src/audit/postgres/store.ts';
import type { AuditStore, DecisionEvent } from '../src/audit/index.ts';
import { createLogger } from '../src/log.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { startPostgres } from '../testkit/support/postgres.ts';

const WRITERS = 3;
const IN_FLIGHT = [16, 64] as const;
const SECONDS = 5;
/** Each writer first runs this long unmeasured: a cold process (JIT, pg's parsers) cost ~40 µs more per decision. */
const WARMUP_SECONDS = 2;
const SEQUENTIAL = 3000;
const WARMUP = 500;

let n = 0;
function decisionEvent(replica: string): DecisionEvent {
  n += 1;
  return {
    time: new Date().toISOString(), requestId: `req-${n}`, sessionId: 'bench', principal: { sub: `user-${n % 1000}`, iss: 'https://idp.example.com' },
    tokenId: 'jti-1', method: 'tools/call', publicName: `srv${n % 5}__tool${n % 50}`, upstream: `srv${n % 5}`, upstreamName: 'query', decision: 'allow',
    reasons: [], policyRevision: 'rev-1', decisionId: `${replica}-${n}`, arguments: { sql: 'select * from orders where id = ?', params: [n] },
  };
}

const open = (url: string, replica: string): Promise<AuditStore> =>
  openPostgresAuditStore(auditConfigSchema.parse({ backend: 'postgres', url, replica_id: replica }), { logger: createLogger('silent') });

async function backendPids(url: string, names: string[]): Promise<number[]> {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  try {
    const rows = (await sql.query<{ pid: number; application_name: string }>('SELECT pid, application_name FROM pg_stat_activity WHERE application_name = ANY($1)', [names])).rows;
    return names.map((name) => rows.find((row) => row.application_name === name)!.pid);
  } finally {
    await sql.end();
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** A child process: one replica; on each "go N S" line, N loops of `await recordDecision` for S seconds. */
async function writer(url: string, replica: string): Promise<void> {
  const store = await open(url, replica);
  process.stdout.write('ready\n');
  const commands = createInterface({ input: process.stdin });
  for await (const line of commands) {
    const [command, count, seconds] = line.split(' ');
    if (command !== 'go') break;
    const end = performance.now() + Number(seconds) * 1000;
    const cpuBefore = process.cpuUsage();
    let done = 0;
    await Promise.all(Array.from({ length: Number(count) }, async () => {
      while (performance.now() < end) {
        await store.recordDecision(decisionEvent(replica));
        done += 1;
      }
    }));
    const cpu = process.cpuUsage(cpuBefore);
    process.stdout.write(`${JSON.stringify({ done, cpuUs: cpu.user + cpu.system })}\n`);
  }
  // The parent read this connection's server process CPU first; closing ends that process.
  await store.close();
  commands.close();
}

interface Phase { inFlight: number; done: number[]; writerUs: number; backendUs: number; load: number }

async function main(durable: boolean): Promise<void> {
  const server = await startPostgres({ durable });
  try {
    const store = await open(server.url, 'sequential');
    const times: number[] = [];
    for (let i = 0; i < WARMUP + SEQUENTIAL; i += 1) {
      const started = performance.now();
      await store.recordDecision(decisionEvent('sequential'));
      if (i >= WARMUP) times.push((performance.now() - started) * 1000);
    }
    await store.close();
    times.sort((a, b) => a - b);

    const self = fileURLToPath(import.meta.url);
    const children = Array.from({ length: WRITERS }, (_, i) =>
      spawn(process.execPath, [...process.execArgv, self, '--writer', server.url, `w${i + 1}`], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const lines = children.map((child) => createInterface({ input: child.stdout! }));
    const nextLine = (line: (typeof lines)[number]) => new Promise<string>((resolve) => line.once('line', resolve));
    await Promise.all(lines.map(nextLine));
    // The writers' server processes, found by their application name, so the database's CPU
    // per decision is counted too: on a shared machine decisions/s says more about the neighbours
    // than about the code, CPU per decision does not.
    const backends = await backendPids(server.url, children.map((_, i) => `mcp-warden audit w${i + 1}`));
    const run = (inFlight: number, seconds: number) => {
      const results = lines.map((line) => nextLine(line).then((text) => JSON.parse(text) as { done: number; cpuUs: number }));
      for (const child of children) child.stdin!.write(`go ${inFlight} ${seconds}\n`);
      return Promise.all(results);
    };
    await run(IN_FLIGHT[0], WARMUP_SECONDS);
    const phases: Phase[] = [];
    for (const inFlight of IN_FLIGHT) {
      const backendBefore = backends.map((pid) => processCpuMicros(pid) ?? 0);
      const reports = await run(inFlight, SECONDS);
      const backendUs = backends.reduce((sum, pid, i) => sum + (processCpuMicros(pid) ?? 0) - backendBefore[i]!, 0);
      phases.push({ inFlight, done: reports.map((report) => report.done), writerUs: reports.reduce((sum, report) => sum + report.cpuUs, 0), backendUs, load: loadavg()[0]! });
    }
    for (const child of children) child.stdin!.end('close\n');
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));

    const fsync = durable ? 'fsync on' : 'fsync off';
    const perDecision = (phase: Phase, us: number) => us / phase.done.reduce((a, b) => a + b, 0);
    const rows = [[`recordDecision, sequential (decision committed before forwarding), ${fsync}`, `p50 ${percentile(times, 0.5).toFixed(0)} us, p99 ${percentile(times, 0.99).toFixed(0)} us (${SEQUENTIAL} calls)`]];
    for (const phase of phases) {
      const total = phase.done.reduce((a, b) => a + b, 0);
      const [writerUs, backendUs] = [perDecision(phase, phase.writerUs), perDecision(phase, phase.backendUs)];
      rows.push(
        [`${WRITERS} writer processes x ${phase.inFlight} in flight, one database, ${fsync}`, `${Math.round(total / SECONDS)} decisions/s (${phase.done.map((d) => Math.round(d / SECONDS)).join(' + ')}), load ${phase.load.toFixed(1)}`],
        ['  CPU per decision: writer process + its PostgreSQL backend', `${writerUs.toFixed(0)} + ${backendUs.toFixed(0)} us`],
        [`  decisions/s the ${cpus().length} cores allow at that CPU cost (WAL writer and flushes not counted)`, `${Math.round((cpus().length * 1e6) / (writerUs + backendUs))}`],
      );
    }
    // Two points of cost = perCommit / batch + perRow, batch = in flight (each commit takes all that waits).
    const [small, large] = phases as [Phase, Phase];
    const split = (side: 'writerUs' | 'backendUs') => {
      const [a, b] = [perDecision(small, small[side]), perDecision(large, large[side])];
      const perCommit = (a - b) / (1 / small.inFlight - 1 / large.inFlight);
      return `${Math.max(0, perCommit).toFixed(0)} us per commit + ${(b - perCommit / large.inFlight).toFixed(0)} us per row`;
    };
    rows.push(['  writer CPU, split', split('writerUs')], ['  PostgreSQL backend CPU, split', split('backendUs')]);
    const width = Math.max(...rows.map((row) => row[0]!.length));
    process.stdout.write(`${'what'.padEnd(width)}  result\n${rows.map(([what, result]) => `${what!.padEnd(width)}  ${result}`).join('\n')}\n`);
  } finally {
    await server.close();
  }
}

if (process.argv[2] === '--writer') await writer(process.argv[3]!, process.argv[4]!);
else await main(!process.argv.includes('--no-fsync'));
