/**
 * Two gateways side by side, A and B (two builds of the CLI, or two sets of Node flags), behind
 * the same minimal upstream, with every security stage on (http-setup.ts). New-era calls go to
 * them in turns of a few hundred, each going first in every other round, so the shared
 * machine's load, which moved one gateway's CPU per call by up to 30% from one minute to the next
 * here, falls on both alike. Prints each one's CPU per call and calls/s, sequential and 32 in
 * flight, and B/A over the whole run and as the median of the rounds.
 * Usage: `node --import tsx bench/http-ab.ts [--a-cli PATH] [--b-cli PATH] [--a-flag FLAG ...]
 * [--b-flag FLAG ...] [--rounds N]`, e.g. `--a-cli ../base/bin/warden.js` for a worktree of an older
 * commit, or `--b-flag --max-semi-space-size=64`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListeningProcess } from '../src/cli/launch-process.ts';
import { renderTable } from '../src/cli/render.ts';
import { startGatewayHttp, WARDEN } from '../testkit/support/gateway-process.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { httpCaller } from './http-caller.ts';
import { BENCH_ENV, benchToken, newEraCall, startMinimalUpstream, writeBenchConfig } from './http-setup.ts';
import { toolFlags } from './tool-flags.ts';

const flags = toolFlags('http-ab', ['--a-cli', '--b-cli', '--a-flag', '--b-flag', '--rounds']);
const rounds = flags.whole('--rounds', 30);
const SIDES = {
  A: { cli: flags.values('--a-cli')[0] ?? WARDEN, flags: flags.values('--a-flag') },
  B: { cli: flags.values('--b-cli')[0] ?? WARDEN, flags: flags.values('--b-flag') },
};
type Side = keyof typeof SIDES;
/** Calls per turn: ~0.3 s each on 2 cores, short enough for the load to stay alike within a round. */
const MODES = [
  { mode: 'concurrent-32', calls: 800, concurrency: 32 },
  { mode: 'sequential', calls: 150, concurrency: 1 },
] as const;
const WARMUP = { calls: 30_000, concurrency: 32 };

async function drive(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<void> {
  let left = calls;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await call();
  }));
}

const upstream = await startMinimalUpstream();
const bearer = { authorization: `Bearer ${await benchToken()}` };
const dirs: string[] = [];
const gateways: Array<{ side: Side; process: ListeningProcess; caller: ReturnType<typeof httpCaller>; call: () => Promise<unknown> }> = [];
const cpu = (side: Side): number => {
  const micros = processCpuMicros(gateways.find((gateway) => gateway.side === side)!.process.pid);
  if (micros === undefined) throw new Error('http-ab reads each gateway\'s CPU time from /proc/<pid>/stat, which this system does not have');
  return micros;
};

try {
  for (const side of Object.keys(SIDES) as Side[]) {
    const dir = mkdtempSync(join(tmpdir(), `warden-http-ab-${side}-`));
    dirs.push(dir);
    const gatewayProcess = await startGatewayHttp(writeBenchConfig(dir, upstream.url), BENCH_ENV, SIDES[side].flags, 0, SIDES[side].cli);
    const caller = httpCaller(gatewayProcess.url, bearer);
    gateways.push({ side, process: gatewayProcess, caller, call: newEraCall(caller.post) });
  }
  for (const gateway of gateways) await drive(gateway.call, WARMUP.calls, WARMUP.concurrency);
  const header = ['mode', 'A CPU/call', 'B CPU/call', 'B/A', 'B/A median round', 'A calls/s', 'B calls/s'];
  const lines: string[][] = [];
  for (const { mode, calls, concurrency } of MODES) {
    const totals = { A: { cpu: 0, ms: 0 }, B: { cpu: 0, ms: 0 } };
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const turn: Record<Side, number> = { A: 0, B: 0 };
      for (const gateway of round % 2 === 0 ? gateways : [...gateways].reverse()) {
        const before = cpu(gateway.side);
        const started = performance.now();
        await drive(gateway.call, calls, concurrency);
        const ms = performance.now() - started;
        // The outcome rows' commits and the checkpointer finish after the last answer.
        await sleep(30);
        turn[gateway.side] = cpu(gateway.side) - before;
        totals[gateway.side].cpu += turn[gateway.side];
        totals[gateway.side].ms += ms;
      }
      ratios.push(turn.B / turn.A);
    }
    ratios.sort((x, y) => x - y);
    const all = calls * rounds;
    lines.push([
      mode,
      `${Math.round(totals.A.cpu / all)} µs`,
      `${Math.round(totals.B.cpu / all)} µs`,
      (totals.B.cpu / totals.A.cpu).toFixed(3),
      ratios[ratios.length >> 1]!.toFixed(3),
      String(Math.round((all / totals.A.ms) * 1000)),
      String(Math.round((all / totals.B.ms) * 1000)),
    ]);
  }
  const describe = (side: Side) => `${side}: ${SIDES[side].cli}${SIDES[side].flags.length > 0 ? ` with ${SIDES[side].flags.join(' ')}` : ''}`;
  process.stdout.write(`${renderTable(header, lines)}(${describe('A')}; ${describe('B')}; ${rounds} rounds)\n`);
} finally {
  for (const gateway of gateways) {
    gateway.caller.close();
    await gateway.process.close();
  }
  await upstream.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
