/**
 * What the gateway costs per call: the kitchen-sink fixture's `echo` called directly and through
 * `warden serve` (auth disabled, an allow-all policy, audit on), over stdio (client -> gateway
 * -> upstream all stdio) and over Streamable HTTP (all HTTP), sequentially and with 32 calls in
 * flight, each after a warm-up. Over stdio it also times the same call through `byte-relay.ts`,
 * a process that only copies bytes: the floor any relay pays here for the extra process and pipe
 * hops, so what the gateway adds beyond it is its own work. Prints p50/p99 (µs), calls/s,
 * gateway/direct ratios, and the CPU the gateway process spent per call (which load on a shared
 * machine blurs far less). Run alone: `node --import tsx bench/gateway.bench.ts [--json] [--warmup N]`.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { McpServerEntry } from '../src/config/schema.ts';
import { renderTable } from '../src/cli/render.ts';
import { connectClient } from '../testkit/fixtures/client.ts';
import { gatewayStdioEntry, startGatewayHttp, WARDEN, waitForTool, writeGatewayConfig } from '../testkit/support/gateway-process.ts';
import { startFixture, type FixtureHandle } from '../testkit/fixtures/spawn.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { measureInterleaved, type Measurement, type MeasureOptions } from './gateway-measure.ts';

// undici's fetch adds one abort listener per request to the SDK HTTP client's long-lived signal
// and drops it only when the request is garbage-collected, so thousands of calls trip Node's
// MaxListenersExceededWarning. That is GC timing, not a leak; every other warning still prints.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

// Warm-ups are long because a gateway is a long-running process: its code keeps being optimised
// for ~3,000 calls, and with 200 warm-up calls the sequential stdio numbers were direct ~130-170 /
// gateway ~920 µs p50 instead of the steady state's 39 / 487 µs (2026-11-23). `--warmup N`
// replaces both warm-ups (e.g. `--warmup 200` to see the cold numbers).
const warmupArg = process.argv.indexOf('--warmup');
const warmup = warmupArg === -1 ? undefined : Number(process.argv[warmupArg + 1]);
if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0)) {
  process.stderr.write('gateway bench: --warmup expects a whole number of calls\n');
  process.exit(2);
}
const MODES: Record<'sequential' | 'concurrent-32', MeasureOptions> = {
  sequential: { warmup: warmup ?? 3_000, samples: 1_000, concurrency: 1, rounds: 5 },
  'concurrent-32': { warmup: warmup ?? 3_200, samples: 3_200, concurrency: 32, rounds: 5 },
};
type Mode = keyof typeof MODES;

interface Row {
  transport: 'stdio' | 'http';
  mode: Mode;
  direct: Measurement;
  /** Through byte-relay.ts (stdio only): the cost of a middle process that does nothing. */
  relay: Measurement | undefined;
  gateway: Measurement;
  /** CPU the gateway process spent per call (warm-up included), when procfs can tell. */
  gateway_cpu_us_per_call: number | undefined;
}

interface TransportResult {
  transport: 'stdio' | 'http';
  rows: Row[];
  /** The gateway's warn/error log lines, counted by message. */
  gatewayWarnings: Record<string, number>;
}

const BYTE_RELAY = fileURLToPath(new URL('./byte-relay.ts', import.meta.url));

/** The stdio upstream behind byte-relay.ts: the same child, one do-nothing process in between. */
function byteRelayEntry(upstream: { command: string; args?: string[] }): McpServerEntry {
  return { command: process.execPath, args: ['--import', 'tsx', BYTE_RELAY, upstream.command, ...(upstream.args ?? [])], env: {} };
}

async function echoCall(client: Client, tool: string): Promise<() => Promise<unknown>> {
  const call = () => client.callTool({ name: tool, arguments: { message: 'hello' } });
  const first = await call();
  if (first.isError) throw new Error(`${tool} answered an error: ${JSON.stringify(first.content)}`);
  return call;
}

/** pino lines at warn (40) or above and non-JSON lines (Node's own warnings), counted by message with numbers masked. */
function warnings(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    let message: string | undefined = line;
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string };
      message = (record.level ?? 0) >= 40 ? (record.msg ?? line) : undefined;
    } catch {
      // not pino: Node's own stderr output
    }
    if (message === undefined) continue;
    const key = message.replace(/\d+/g, 'N');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function benchTransport(transport: 'stdio' | 'http', dir: string): Promise<TransportResult> {
  const upstream: FixtureHandle = await startFixture('kitchen-sink', transport);
  const home = join(dir, transport);
  mkdirSync(home);
  const config = writeGatewayConfig(home, { sink: upstream.entry });
  const gateway = transport === 'http' ? await startGatewayHttp(config) : undefined;
  // The stdio gateway is the client's child: its log goes to a file, read once it has exited.
  const logFile = join(home, 'gateway.log');
  const logFd = openSync(logFile, 'w');
  const clients: Client[] = [];
  try {
    const gatewayEntry: McpServerEntry = gateway ? { type: 'http', url: gateway.url, headers: {} } : gatewayStdioEntry(config);
    const directClient = await connectClient(upstream.entry, {}, { stderr: 'ignore' });
    clients.push(directClient);
    const gatewayClient = await connectClient(gatewayEntry, {}, { stderr: logFd });
    clients.push(gatewayClient);
    await waitForTool(gatewayClient, 'sink__echo');
    const relayClient = upstream.entry.type === undefined ? await connectClient(byteRelayEntry(upstream.entry), {}, { stderr: 'ignore' }) : undefined;
    if (relayClient) clients.push(relayClient);
    const calls: Record<string, () => Promise<unknown>> = {
      direct: await echoCall(directClient, 'echo'),
      ...(relayClient ? { relay: await echoCall(relayClient, 'echo') } : {}),
      gateway: await echoCall(gatewayClient, 'sink__echo'),
    };
    // Only gateway slices make the gateway work, so its CPU over a whole interleaved run is its cost.
    const gatewayPid = gateway ? gateway.pid : (gatewayClient.transport as StdioClientTransport).pid!;
    const rows: Row[] = [];
    for (const mode of Object.keys(MODES) as Mode[]) {
      const cpuBefore = processCpuMicros(gatewayPid);
      const measured = await measureInterleaved(calls, MODES[mode]);
      const cpuAfter = processCpuMicros(gatewayPid);
      const callCount = MODES[mode].warmup + MODES[mode].samples;
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : Math.round((cpuAfter - cpuBefore) / callCount);
      rows.push({ transport, mode, direct: measured.direct!, relay: measured.relay, gateway: measured.gateway!, gateway_cpu_us_per_call: cpu });
    }
    for (const client of clients.splice(0)) await client.close();
    return { transport, rows, gatewayWarnings: warnings(gateway ? gateway.stderr : readFileSync(logFile, 'utf8').split('\n').filter(Boolean)) };
  } finally {
    for (const client of clients) await client.close();
    closeSync(logFd);
    await gateway?.close();
    await upstream.close();
  }
}

function render(rows: Row[]): string {
  const header = ['transport', 'mode', 'direct p50', 'direct p99', 'direct calls/s', 'relay p50', 'gw p50', 'gw p99', 'gw calls/s', 'p50 gw/direct', 'gw-relay p50', 'calls/s gw/direct', 'gw CPU/call', 'errors d/r/gw'];
  const lines = rows.map((row) => [
    row.transport,
    row.mode,
    `${row.direct.p50_us} µs`,
    `${row.direct.p99_us} µs`,
    String(row.direct.calls_per_s),
    row.relay ? `${row.relay.p50_us} µs` : 'n/a',
    `${row.gateway.p50_us} µs`,
    `${row.gateway.p99_us} µs`,
    String(row.gateway.calls_per_s),
    `${(row.gateway.p50_us / row.direct.p50_us).toFixed(2)}x`,
    row.relay ? `${row.gateway.p50_us - row.relay.p50_us} µs` : 'n/a',
    `${(row.gateway.calls_per_s / row.direct.calls_per_s).toFixed(2)}x`,
    row.gateway_cpu_us_per_call === undefined ? 'n/a' : `${row.gateway_cpu_us_per_call} µs`,
    `${row.direct.errors}/${row.relay?.errors ?? '-'}/${row.gateway.errors}`,
  ]);
  return renderTable(header, lines);
}

async function benchGateway(): Promise<TransportResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-gateway-bench-'));
  try {
    return [await benchTransport('stdio', dir), await benchTransport('http', dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = await benchGateway().catch((error: unknown) => {
  process.stderr.write(`gateway bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
const rows = results.flatMap((result) => result.rows);
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stdout.write(`${render(rows)}(gateway CLI: ${relative(process.cwd(), WARDEN)})\n`);
  for (const { transport, gatewayWarnings } of results) {
    for (const [msg, count] of Object.entries(gatewayWarnings)) process.stdout.write(`gateway (${transport}) log: ${count}x ${msg}\n`);
  }
}
// Numbers measured with failed calls in them are not a result: say so through the exit code.
process.exit(rows.some((row) => row.direct.errors + (row.relay?.errors ?? 0) + row.gateway.errors > 0) ? 1 : 0);
