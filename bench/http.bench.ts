/**
 * The gateway's own cost on its main production path, Streamable HTTP, with every security stage
 * on: a really signed HS256 JWT, a Rego policy that reads the principal and the tool, and the
 * SQLite audit row committed before each forward. Behind it stands `minimal-upstream.ts` (plain
 * `node:http`, no SDK), so what the gateway adds is not hidden under an SDK upstream's cost.
 * In one run, interleaved: the upstream called directly, through the gateway by an old-era
 * (2025-11-25, initialize + session) caller, and by a new-era (2026-07-28, stateless, `_meta`
 * per request) caller; and, as the floor, the new-era call through `http-relay.ts`, a bare
 * `node:http` relay with no security stages (what Node's HTTP server, client and the extra hop
 * cost here: the gateway's own work is what it adds beyond that row). The callers are raw
 * keep-alive `node:http` (http-caller.ts), not SDK clients, so the bench process does not run out
 * of CPU before the gateway does.
 * Prints p50/p99, calls/s and the gateway's CPU per call, sequential and 32 in flight.
 * Run alone: `node --import tsx bench/http.bench.ts [--json] [--warmup N] [--profile DIR] [--only new|old|bare]
 * [--mode sequential|concurrent-32] [--gateway-flag FLAG ...]` (`--only`/`--mode` narrow the run, e.g. to
 * profile one path; each `--gateway-flag` is a Node flag for the gateway process alone, e.g.
 * `--gateway-flag --max-semi-space-size=64`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from '../src/cli/render.ts';
import { listeningUrl, startListeningProcess } from '../src/cli/launch-process.ts';
import { startGatewayHttp, WARDEN } from '../testkit/support/gateway-process.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { measureInterleaved, type Measurement, type MeasureOptions } from './gateway-measure.ts';
import { expectResult, httpCaller } from './http-caller.ts';
import { benchToken, BENCH_ENV, echo, newEraCall, oldEraCall, servesNewEra, startMinimalUpstream, writeBenchConfig } from './http-setup.ts';

const warmupArg = process.argv.indexOf('--warmup');
const warmup = warmupArg === -1 ? undefined : Number(process.argv[warmupArg + 1]);
if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0)) {
  process.stderr.write('http bench: --warmup expects a whole number of calls\n');
  process.exit(2);
}
const MODES: Record<'sequential' | 'concurrent-32', MeasureOptions> = {
  sequential: { warmup: warmup ?? 2_000, samples: 1_000, concurrency: 1, rounds: 5 },
  'concurrent-32': { warmup: warmup ?? 3_200, samples: 6_400, concurrency: 32, rounds: 5 },
};
type Mode = keyof typeof MODES;
const RELAY = fileURLToPath(new URL('./http-relay.ts', import.meta.url));
// `--profile DIR`: the gateway writes a V8 CPU profile (node --cpu-prof) into DIR when it stops.
const profileArg = process.argv.indexOf('--profile');
const profileDir = profileArg === -1 ? undefined : process.argv[profileArg + 1];
const gatewayFlags = process.argv.flatMap((arg, index) => (process.argv[index - 1] === '--gateway-flag' ? [arg] : []));
type Path = 'direct' | 'old era' | 'new era' | 'bare relay';
const onlyArg = process.argv.indexOf('--only');
const ONLY: Record<string, Exclude<Path, 'direct'>> = { new: 'new era', old: 'old era', bare: 'bare relay' };
const only = onlyArg === -1 ? undefined : ONLY[process.argv[onlyArg + 1] ?? ''];
const modeArg = process.argv.indexOf('--mode');
const onlyMode = modeArg === -1 ? undefined : process.argv[modeArg + 1];
if ((onlyArg !== -1 && only === undefined) || (onlyMode !== undefined && !(onlyMode in MODES))) {
  process.stderr.write('http bench: --only expects new, old or bare, --mode sequential or concurrent-32\n');
  process.exit(2);
}

/** One gateway path (or the bare relay) against the direct call, interleaved, with its process's CPU over that run only. */
interface Row {
  mode: Mode;
  path: Exclude<Path, 'direct'>;
  direct: Measurement;
  gateway: Measurement | undefined;
  /** Gateway CPU per call of this path (warm-up included), from procfs. */
  gatewayCpuUsPerCall: number | undefined;
  /**
   * The same over the timed calls only, once warm. A few thousand calls in, much of the gateway
   * still runs in V8's baseline tier (perf, load ~20: ~190 hot functions baseline and ~40 optimized
   * 5,000 calls in; ~13 and ~195 after 40,000), so the figure above mixes the JIT's warm-up into
   * what a long-running gateway pays per call (5-10% more on this bench).
   */
  warmCpuUsPerCall: number | undefined;
}

async function bench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-http-bench-'));
  const upstream = await startMinimalUpstream();
  const profiling = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const gateway = await startGatewayHttp(writeBenchConfig(dir, upstream.url), BENCH_ENV, [...profiling, ...gatewayFlags]);
  const relay = await startListeningProcess(process.execPath, ['--import', 'tsx', RELAY, upstream.url], {}, listeningUrl);
  const bearer = { authorization: `Bearer ${await benchToken()}` };
  const direct = httpCaller(upstream.url);
  const oldEra = httpCaller(gateway.url, bearer);
  const newEra = httpCaller(gateway.url, bearer);
  const bare = httpCaller(relay.url);
  try {
    const directCall = async () => expectResult(await direct.post(echo('echo')));
    const paths: Partial<Record<Row['path'], { call: () => Promise<unknown>; pid: number }>> = {
      'old era': { call: await oldEraCall(oldEra.post), pid: gateway.pid },
      'bare relay': { call: newEraCall(bare.post), pid: relay.pid },
    };
    if (await servesNewEra(newEra.post)) paths['new era'] = { call: newEraCall(newEra.post), pid: gateway.pid };
    const rows: Row[] = [];
    for (const mode of Object.keys(MODES) as Mode[]) {
      if (onlyMode !== undefined && mode !== onlyMode) continue;
      for (const path of ['old era', 'new era', 'bare relay'] as const) {
        if (only !== undefined && path !== only) continue;
        const measured = paths[path];
        if (measured === undefined) {
          rows.push({ mode, path, direct: rows.at(-1)!.direct, gateway: undefined, gatewayCpuUsPerCall: undefined, warmCpuUsPerCall: undefined });
          continue;
        }
        const { call, pid } = measured;
        await call();
        const before = processCpuMicros(pid);
        let warm: number | undefined;
        const results = await measureInterleaved({ direct: directCall, gateway: call }, { ...MODES[mode], onWarm: () => (warm = processCpuMicros(pid)) });
        const after = processCpuMicros(pid);
        const perCall = (from: number | undefined, calls: number) => (from === undefined || after === undefined ? undefined : Math.round((after - from) / calls));
        rows.push({
          mode, path, direct: results.direct, gateway: results.gateway,
          gatewayCpuUsPerCall: perCall(before, MODES[mode].warmup + MODES[mode].samples),
          warmCpuUsPerCall: perCall(warm, MODES[mode].samples),
        });
      }
    }
    return rows;
  } finally {
    direct.close();
    oldEra.close();
    newEra.close();
    bare.close();
    await relay.close();
    await gateway.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(rows: Row[]): string {
  const header = ['mode', 'path', 'direct p50', 'direct calls/s', 'gw p50', 'gw p99', 'gw calls/s', 'added p50', 'calls/s gw/direct', 'gw CPU/call', 'warm CPU/call', 'errors d/gw'];
  const lines = rows.map((row) => {
    const { direct, gateway: gw } = row;
    return [
      row.mode,
      row.path,
      `${direct.p50_us} µs`,
      String(direct.calls_per_s),
      gw ? `${gw.p50_us} µs` : 'n/a',
      gw ? `${gw.p99_us} µs` : '',
      gw ? String(gw.calls_per_s) : '',
      gw ? `${gw.p50_us - direct.p50_us} µs` : '',
      gw ? `${(gw.calls_per_s / direct.calls_per_s).toFixed(2)}x` : '',
      row.gatewayCpuUsPerCall === undefined ? 'n/a' : `${row.gatewayCpuUsPerCall} µs`,
      row.warmCpuUsPerCall === undefined ? 'n/a' : `${row.warmCpuUsPerCall} µs`,
      `${direct.errors}/${gw?.errors ?? '-'}`,
    ];
  });
  const flags = gatewayFlags.length === 0 ? 'Node defaults' : `node ${gatewayFlags.join(' ')}`;
  return `${renderTable(header, lines)}(gateway: JWT HS256 + Rego + SQLite decision row committed before each forward; ${flags}; CLI ${relative(process.cwd(), WARDEN)}. bare relay: bench/http-relay.ts, no security stages, the floor of a node:http gateway here)`;
}

const rows = await bench().catch((error: unknown) => {
  process.stderr.write(`http bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : `${render(rows)}\n`);
process.exit(rows.some((row) => row.direct.errors + (row.gateway?.errors ?? 0) > 0) ? 1 : 0);
