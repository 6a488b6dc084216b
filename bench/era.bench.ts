/**
 * The era decision per new-era request (src/downstream/era.ts), in process: the fast path for a
 * well-formed 2026-07-28 request against the SDK's classifier alone, on the request the http
 * bench sends, plus a request the fast path hands to the SDK (an old-era call). Batches of the
 * two are interleaved so load on a shared machine falls on both alike; a fresh body per call, as
 * over the wire. Prints µs per call over the batches: the minimum and p25 (the least disturbed
 * batches: on a loaded machine the median mostly measures the scheduler) and the median.
 * Run alone: `node --import tsx bench/era.bench.ts [--json]`.
 */
import { classify, classifyMessageBySdk, type MirroredHeaders } from '../src/downstream/era.ts';

const MODERN = '2026-07-28';
const HEADERS = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'min__echo' };
const MIRRORED: MirroredHeaders = { protocolVersionHeader: MODERN, mcpMethodHeader: 'tools/call', mcpNameHeader: 'min__echo' };
const envelope = () => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'warden-bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
});
const modernCall = () => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'min__echo', arguments: { message: 'hello' }, _meta: envelope() } });
const oldEraCall = () => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'min__echo', arguments: { message: 'hello' } } });

const CASES: Record<string, () => unknown> = {
  'new-era call, fast path (classify)': () => classify(HEADERS, modernCall()),
  'new-era call, SDK classifier only': () => classifyMessageBySdk(modernCall(), MIRRORED),
  'old-era call, classify (to the SDK)': () => classify({}, oldEraCall()),
};
const BATCH = 1_000;
const ROUNDS = 40;

const perCall = new Map<string, number[]>(Object.keys(CASES).map((name) => [name, []]));
for (const run of Object.values(CASES)) for (let i = 0; i < BATCH; i++) run();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(CASES)) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) run();
    perCall.get(name)!.push(Number(process.hrtime.bigint() - started) / BATCH / 1000);
  }
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const rows = [...perCall].map(([name, values]) => ({
  name,
  min_us: Number(quantile(values, 0).toFixed(2)),
  p25_us: Number(quantile(values, 0.25).toFixed(2)),
  p50_us: Number(quantile(values, 0.5).toFixed(2)),
}));
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const width = Math.max(...rows.map((row) => row.name.length));
  process.stdout.write(`${'case'.padEnd(width)}  µs/call min  µs/call p25  µs/call p50\n`);
  for (const row of rows) {
    process.stdout.write(`${row.name.padEnd(width)}  ${[row.min_us, row.p25_us, row.p50_us].map((v) => String(v).padStart(11)).join('  ')}\n`);
  }
  process.stdout.write(`(over ${ROUNDS} interleaved batches of ${BATCH}; a fresh body per call)\n`);
}
