/**
 * What the gateway costs per call: the kitchen-sink fixture's `echo` called directly and through
 * `warden serve` (auth disabled, an allow-all policy, audit on), over stdio (client -> gateway
 * -> upstream all stdio) and over Streamable HTTP (all HTTP), sequentially and with 32 calls in
 * flight, each after a warm-up. Prints p50/p99 (µs), calls/s and gateway/direct ratios.
 * Run alone: `node --import tsx bench/gateway.bench.ts [--json]`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerEntry } from '../src/config/schema.ts';
import { connectClient } from '../test/fixtures/client.ts';
import { gatewayStdioEntry, startGatewayHttp, writeGatewayConfig } from '../test/fixtures/gateway.ts';
import { startFixture, type FixtureHandle } from '../test/fixtures/spawn.ts';
import { measure, type Measurement, type MeasureOptions } from './gateway-measure.ts';

// undici's fetch adds one abort listener per request to the SDK HTTP client's long-lived signal
// and drops it only when the request is garbage-collected, so thousands of calls trip Node's
// MaxListenersExceededWarning. That is GC timing, not a leak; every other warning still prints.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'MaxListenersExceededWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const MODES: Record<'sequential' | 'concurrent-32', MeasureOptions> = {
  sequential: { warmup: 200, samples: 1_000, concurrency: 1 },
  'concurrent-32': { warmup: 320, samples: 3_200, concurrency: 32 },
};

interface Row {
  transport: 'stdio' | 'http';
  mode: keyof typeof MODES;
  direct: Measurement;
  gateway: Measurement;
}

async function measureEntry(entry: McpServerEntry, tool: string): Promise<Record<keyof typeof MODES, Measurement>> {
  // The gateway's stderr log goes to /dev/null: its cost is measured, its lines are not shown.
  const client: Client = await connectClient(entry, {}, { stderr: 'ignore' });
  try {
    const call = () => client.callTool({ name: tool, arguments: { message: 'hello' } });
    const first = await call();
    if (first.isError) throw new Error(`${tool} answered an error: ${JSON.stringify(first.content)}`);
    return { sequential: await measure(call, MODES.sequential), 'concurrent-32': await measure(call, MODES['concurrent-32']) };
  } finally {
    await client.close();
  }
}

async function benchTransport(transport: 'stdio' | 'http', dir: string): Promise<Row[]> {
  const upstream: FixtureHandle = await startFixture('kitchen-sink', transport);
  mkdirSync(join(dir, transport));
  const config = writeGatewayConfig(join(dir, transport), { sink: upstream.entry });
  const gateway = transport === 'http' ? await startGatewayHttp(config) : undefined;
  try {
    const direct = await measureEntry(upstream.entry, 'echo');
    const gatewayEntry: McpServerEntry = gateway ? { type: 'http', url: gateway.url, headers: {} } : gatewayStdioEntry(config);
    const through = await measureEntry(gatewayEntry, 'sink__echo');
    return (Object.keys(MODES) as (keyof typeof MODES)[]).map((mode) => ({ transport, mode, direct: direct[mode], gateway: through[mode] }));
  } finally {
    await gateway?.close();
    await upstream.close();
  }
}

function render(rows: Row[]): string {
  const header = ['transport', 'mode', 'direct p50', 'direct p99', 'direct calls/s', 'gw p50', 'gw p99', 'gw calls/s', 'p50 gw/direct', 'calls/s gw/direct'];
  const lines = rows.map((row) => [
    row.transport,
    row.mode,
    `${row.direct.p50_us} µs`,
    `${row.direct.p99_us} µs`,
    String(row.direct.calls_per_s),
    `${row.gateway.p50_us} µs`,
    `${row.gateway.p99_us} µs`,
    String(row.gateway.calls_per_s),
    `${(row.gateway.p50_us / row.direct.p50_us).toFixed(2)}x`,
    `${(row.gateway.calls_per_s / row.direct.calls_per_s).toFixed(2)}x`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  return [header, ...lines].map((line) => line.map((cell, column) => cell.padStart(widths[column]!)).join('  ')).join('\n');
}

async function benchGateway(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-gateway-bench-'));
  try {
    return [...(await benchTransport('stdio', dir)), ...(await benchTransport('http', dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = await benchGateway().catch((error: unknown) => {
  process.stderr.write(`gateway bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : `${render(rows)}\n`);
