/**
 * Calls/s through HAProxy (issue 14): one replica and three replicas of `warden serve`, each with
 * the postgres audit backend, started from exactly the files in `deploy/` (haproxy.cfg,
 * warden.postgres.config.json) as the cluster test starts them, in front of `minimal-upstream.ts`.
 * New-era (stateless) calls, 32 in flight, RS256 JWT + Rego + a committed PostgreSQL decision row
 * each. Rows: one replica called directly (no balancer), the same replica behind HAProxy, three
 * replicas behind HAProxy. On 2 cores this cannot show scaling; it shows what the balancer costs and
 * that nothing serialises across replicas (each has its own chain; no shared lock on the call path).
 * CPU per call is summed over the replicas (procfs), HAProxy's apart.
 * Run alone: `node --import tsx bench/cluster.bench.ts`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSigningKey, signToken } from '../src/auth/sign-token.ts';
import { listeningUrl, startListeningProcess } from '../src/cli/launch-process.ts';
import { startPostgres } from '../testkit/support/postgres.ts';
import { processCpuMicros } from './gateway-cpu.ts';
import { expectResult, httpCaller } from './http-caller.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const ISSUER = 'https://bench-cluster.invalid';
const IN_FLIGHT = 32;
const WARMUP_S = 3;
const MEASURE_S = 8;
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'warden-bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const freePort = async (): Promise<number> => {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ok = (url: string) => fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);

/** The default policies as an OPA bundle, served over HTTP: what every replica fetches. */
async function serveBundle(dir: string): Promise<{ url: string; close(): void }> {
  const file = join(dir, 'policies.tar.gz');
  await promisify(execFile)('tar', ['-czf', file, '-C', join(ROOT, 'policies'), '.']);
  const bundle = readFileSync(file);
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { etag: '"1"', 'content-type': 'application/gzip' }).end(bundle));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/policies.tar.gz`, close: () => server.close() };
}

interface Result {
  what: string;
  callsPerS: number;
  p50Us: number;
  errors: number;
  replicaCpuUs: number;
  haproxyCpuUs: number | undefined;
}

/** 32 callers for WARMUP_S, then MEASURE_S counted: calls/s, p50, and the CPU the processes used meanwhile. */
async function drive(what: string, url: string, token: string, replicas: ChildProcess[], haproxy: ChildProcess | undefined): Promise<Result> {
  const caller = httpCaller(url, { authorization: `Bearer ${token}` });
  const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'min__echo' };
  let id = 0;
  const call = async () => expectResult(await caller.post({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'min__echo', arguments: { message: 'hello' }, _meta: ENVELOPE } }, headers));
  const cpu = () => replicas.reduce((sum, child) => sum + (processCpuMicros(child.pid!) ?? 0), 0);
  const times: number[] = [];
  let errors = 0;
  let counting = false;
  let cpuBefore = 0;
  let haproxyBefore = 0;
  const warmupEnd = performance.now() + WARMUP_S * 1000;
  const end = warmupEnd + MEASURE_S * 1000;
  setTimeout(() => {
    counting = true;
    cpuBefore = cpu();
    haproxyBefore = haproxy ? processCpuMicros(haproxy.pid!) ?? 0 : 0;
  }, WARMUP_S * 1000);
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await call();
        if (counting) times.push((performance.now() - started) * 1000);
      } catch {
        if (counting) errors += 1;
      }
    }
  }));
  const replicaCpuUs = cpu() - cpuBefore;
  const haproxyCpuUs = haproxy ? (processCpuMicros(haproxy.pid!) ?? 0) - haproxyBefore : undefined;
  caller.close();
  times.sort((a, b) => a - b);
  const calls = times.length;
  return {
    what, callsPerS: Math.round(calls / MEASURE_S), p50Us: Math.round(times[Math.floor(calls / 2)] ?? 0), errors,
    replicaCpuUs: Math.round(replicaCpuUs / Math.max(1, calls)), haproxyCpuUs: haproxyCpuUs === undefined ? undefined : Math.round(haproxyCpuUs / Math.max(1, calls)),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cluster-bench-'));
  mkdirSync(join(dir, 'bundle'));
  const upstream = await startListeningProcess(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./minimal-upstream.ts', import.meta.url))], {}, listeningUrl);
  const bundle = await serveBundle(join(dir, 'bundle'));
  const postgres = await startPostgres({ durable: true });
  const replicas = new Map<string, { child: ChildProcess; port: number }>();
  const balancers: ChildProcess[] = [];
  writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { min: { type: 'http', url: upstream.url } } }));
  const env = {
    PATH: process.env.PATH ?? '',
    WARDEN_LOG_LEVEL: 'warn',
    WARDEN_MCP_SERVERS: join(dir, 'mcp.json'),
    WARDEN_HOST: '127.0.0.1',
    WARDEN_PUBLIC_HOST: '127.0.0.1',
    WARDEN_SESSION_KEY: 'bench-session-key-0123456789abcdef0123',
    WARDEN_ISSUER: ISSUER,
    WARDEN_JWT_PUBLIC_KEY: join(ROOT, 'examples/keys/dev-only-public.pem'),
    WARDEN_POLICY_BUNDLE_URL: bundle.url,
    WARDEN_AUDIT_URL: postgres.url,
    WARDEN_AUDIT_CHAIN_KEY: 'bench-chain-key-0123456789abcdef',
  };
  const startReplica = async (name: string) => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'bin/warden.js'), 'serve', '--config', join(DEPLOY, 'warden.postgres.config.json'), '--http', '--port', String(port)], {
      env: { ...env, HOSTNAME: name },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    replicas.set(name, { child, port });
    await until(() => ok(`http://127.0.0.1:${port}/readyz`), `replica ${name} ready`);
  };
  /** HAProxy on deploy/haproxy.cfg; its three server lines point at the given replicas (repeated for one). */
  const startHaproxy = async (names: string[]) => {
    const port = await freePort();
    const targets = [0, 1, 2].map((i) => `127.0.0.1:${replicas.get(names[i % names.length]!)!.port}`);
    const child = spawn('haproxy', ['-db', '-f', join(DEPLOY, 'haproxy.cfg')], {
      env: { ...env, WARDEN_LB_BIND: `127.0.0.1:${port}`, WARDEN_1: targets[0]!, WARDEN_2: targets[1]!, WARDEN_3: targets[2]! },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    balancers.push(child);
    await until(() => ok(`http://127.0.0.1:${port}/readyz`), 'HAProxy routing');
    return { child, url: `http://127.0.0.1:${port}/mcp` };
  };
  try {
    const signing = await loadSigningKey(join(ROOT, 'examples/keys/dev-only-private.pem'));
    const token = (await signToken(signing, { sub: 'bench', roles: ['admin'], scopes: [], iss: ISSUER, aud: 'mcp-warden', ttlSeconds: 3600 }, undefined, Date.now())).token;
    await startReplica('b1');
    const one = [replicas.get('b1')!.child];
    const results = [await drive('1 replica, direct (no balancer)', `http://127.0.0.1:${replicas.get('b1')!.port}/mcp`, token, one, undefined)];
    const single = await startHaproxy(['b1']);
    results.push(await drive('1 replica behind HAProxy', single.url, token, one, single.child));
    single.child.kill('SIGTERM');
    await startReplica('b2');
    await startReplica('b3');
    const triple = await startHaproxy(['b1', 'b2', 'b3']);
    results.push(await drive('3 replicas behind HAProxy', triple.url, token, [...replicas.values()].map((r) => r.child), triple.child));
    render(results);
  } finally {
    for (const child of [...balancers, ...[...replicas.values()].map((r) => r.child)]) child.kill('SIGKILL');
    bundle.close();
    await upstream.close();
    await postgres.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(results: Result[]): void {
  const header = ['path', 'calls/s', 'p50', 'errors', 'replica CPU/call', 'HAProxy CPU/call'];
  const lines = results.map((r) => [r.what, String(r.callsPerS), `${r.p50Us} µs`, String(r.errors), `${r.replicaCpuUs} µs`, r.haproxyCpuUs === undefined ? '-' : `${r.haproxyCpuUs} µs`]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const table = [header, ...lines].map((line) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n');
  process.stdout.write(`${table}\n(new era, ${IN_FLIGHT} in flight, RS256 JWT + Rego + PostgreSQL decision row committed before each forward; load ${loadavg()[0]!.toFixed(1)})\n`);
}

await main();
