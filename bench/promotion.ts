/**
 * How much of each call reaches V8's old generation: what decided much of the gateway's CPU per
 * call in 2026-12 (README, Performance: a hidden class per copy, Maps that chain, a signal per
 * request, the high mode). Starts the gateway behind the minimal upstream with every security
 * stage on (http-setup.ts) under `--trace-gc --trace-gc-nvp`, warms it up, then sends new-era
 * calls and reads V8's own trace of the scavenges made during that load alone. A process stays
 * in one promotion mode for its whole run, so `--runs N` starts N gateways one after the other.
 * Usage: `node --import tsx bench/promotion.ts [--cli PATH] [--runs N] [--seconds S]
 * [--in-flight C] [--flag FLAG ...]` (the CLI: WARDEN_TEST_CLI or bin/warden.js, as elsewhere).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startListeningProcess } from '../src/cli/launch-process.ts';
import { renderTable } from '../src/cli/render.ts';
import { pinoListeningUrl, WARDEN } from '../testkit/support/gateway-process.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { httpCaller } from './http-caller.ts';
import { BENCH_ENV, benchToken, newEraCall, startMinimalUpstream, writeBenchConfig } from './http-setup.ts';
import { toolFlags } from './tool-flags.ts';

const flags = toolFlags('promotion', ['--cli', '--runs', '--seconds', '--in-flight', '--flag']);
const cli = flags.values('--cli')[0] ?? WARDEN;
const gatewayFlags = flags.values('--flag');
const runs = flags.whole('--runs', 3);
const seconds = flags.whole('--seconds', 5);
const inFlight = flags.whole('--in-flight', 32);
const WARMUP_MS = 6_000;

interface Scavenge {
  promoted: number;
  survived: number;
  pauseMs: number;
}

/** The scavenges (`gc=s`) and mark-compacts (`gc=mc`) in a `--trace-gc-nvp` trace. */
function readTrace(text: string): { scavenges: Scavenge[]; markCompacts: number } {
  const lines = text.split('\n');
  const field = (line: string, name: string) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? Number.NaN);
  return {
    scavenges: lines.filter((line) => /\bgc=s\b/.test(line)).map((line) => ({ promoted: field(line, 'promoted'), survived: field(line, 'new_space_survived'), pauseMs: field(line, 'pause') })),
    markCompacts: lines.filter((line) => /\bgc=mc\b/.test(line)).length,
  };
}

async function drive(call: () => Promise<unknown>, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let calls = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    for (; Date.now() < end; calls += 1) await call();
  }));
  return calls;
}

const upstream = await startMinimalUpstream();
const bearer = { authorization: `Bearer ${await benchToken()}` };
const rows: string[][] = [];
try {
  for (let run = 1; run <= runs; run += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-promotion-'));
    const tracePath = join(dir, 'gc.log');
    const trace = openSync(tracePath, 'w');
    const nodeArgs = ['--trace-gc', '--trace-gc-nvp', ...gatewayFlags];
    const gateway = await startListeningProcess(process.execPath, [...nodeArgs, cli, 'serve', '--config', writeBenchConfig(dir, upstream.url), '--http', '--port', '0'], BENCH_ENV, pinoListeningUrl, { stdout: trace });
    const caller = httpCaller(gateway.url, bearer);
    try {
      const call = newEraCall(caller.post);
      await drive(call, WARMUP_MS);
      const from = statSync(tracePath).size;
      const cpuBefore = processCpuMicros(gateway.pid);
      const started = performance.now();
      const calls = await drive(call, seconds * 1000);
      const ms = performance.now() - started;
      const cpuAfter = processCpuMicros(gateway.pid);
      const { scavenges, markCompacts } = readTrace(readFileSync(tracePath, 'utf8').slice(from));
      const mean = (pick: (scavenge: Scavenge) => number) => scavenges.reduce((sum, scavenge) => sum + pick(scavenge), 0) / Math.max(1, scavenges.length);
      rows.push([
        String(run),
        String(Math.round((calls / ms) * 1000)),
        cpuBefore === undefined || cpuAfter === undefined ? 'n/a' : `${Math.round((cpuAfter - cpuBefore) / calls)} µs`,
        String(scavenges.length),
        `${Math.round(mean((scavenge) => scavenge.promoted) / 1024)} KB`,
        `${Math.round(mean((scavenge) => scavenge.survived) / 1024)} KB`,
        `${((scavenges.reduce((sum, scavenge) => sum + scavenge.pauseMs, 0) / ms) * 100).toFixed(1)}%`,
        String(markCompacts),
      ]);
    } finally {
      caller.close();
      await gateway.close();
      closeSync(trace);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const header = ['run', 'calls/s', 'gw CPU/call', 'scavenges', 'promoted/scavenge', 'survived/scavenge', 'scavenge pauses', 'mark-compacts'];
  process.stdout.write(`${renderTable(header, rows)}(new era over HTTP, ${inFlight} in flight, ${seconds} s after a ${WARMUP_MS / 1000} s warm-up; gateway ${cli}${gatewayFlags.length > 0 ? ` with ${gatewayFlags.join(' ')}` : ''}, under --trace-gc)\n`);
} finally {
  await upstream.close();
}
