/**
 * What this machine charges for waking from idle: the same JavaScript work (a request-shaped
 * message through JSON.stringify and JSON.parse 20 times, about what the gateway does with a few
 * messages) timed back to back, right after another event-loop turn, after a 1 ms busy spin, and
 * after the event loop slept in epoll for 1 and 5 ms. A sequential call through the gateway wakes
 * it twice (the caller's request, the upstream's answer), so on a machine where work after a sleep
 * runs slower, every stage of a sequential call does; 32 calls in flight keep the loop from
 * sleeping. Read the sequential rows of the http and gateway benches with this table beside them.
 * On the 2-core VMs here (2026-12-07 evening, load ~1, nine runs) the work took 100-120 µs after
 * the loop slept 1 or 5 ms in every run, and 51-53 µs back to back in five of them (the other
 * four read 75-130 µs on every row, as if the process had landed on a busier core); after a 1 ms
 * busy spin it mostly stayed near back to back (53-58 µs), once not (105). Compare rows of one
 * run only.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { renderTable } from '../src/cli/render.ts';

const MESSAGE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'db__query', arguments: { sql: 'select 1', values: [1, 2, 3, 4, 5], nested: { note: 'x'.repeat(200), flag: true } } },
};
const SAMPLES = 1_500;

function work(): number {
  let size = 0;
  for (let i = 0; i < 20; i++) size += (JSON.parse(JSON.stringify(MESSAGE)) as typeof MESSAGE).params.arguments.values.length;
  return size;
}

function timed(): number {
  const started = performance.now();
  work();
  return (performance.now() - started) * 1000;
}

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

const CONDITIONS: Array<[string, () => Promise<void> | void]> = [
  ['back to back', () => undefined],
  ['after an event-loop turn (setImmediate)', () => nextTurn()],
  ['after a 1 ms busy spin', () => spin(1)],
  ['after the loop slept 1 ms', () => sleep(1)],
  ['after the loop slept 5 ms', () => sleep(5)],
];

for (let i = 0; i < 20_000; i++) work();
const rows: string[][] = [];
let base: number | undefined;
for (const [name, before] of CONDITIONS) {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    // Awaited only when it is a wait: "back to back" and the spin stay in one synchronous run.
    const waited = before();
    if (waited !== undefined) await waited;
    samples.push(timed());
  }
  const p50 = percentile(samples, 0.5);
  base ??= p50;
  rows.push([name, `${p50.toFixed(1)} µs`, `${percentile(samples, 0.9).toFixed(1)} µs`, `${(p50 / base).toFixed(2)}x`]);
}
process.stdout.write(renderTable(['the same work', 'p50', 'p90', 'p50 / back to back'], rows));
process.stdout.write(`(${SAMPLES} samples each; load average ${loadavg()[0]!.toFixed(1)}: other work on the cores keeps them awake and narrows the gap)\n`);
