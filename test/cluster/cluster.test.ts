/**
 * The cluster test (issue 14, `npm run test:cluster`): PostgreSQL from the Debian package, three
 * replicas started with exactly deploy/warden.postgres.config.json, HAProxy with exactly
 * deploy/haproxy.cfg in front, and old-era clients whose every call carries a unique nonce to a
 * recording upstream. During the load one replica is killed (SIGKILL), another frozen (SIGSTOP)
 * past the database's idle-in-transaction timeout and resumed, and PostgreSQL is stopped for a few
 * seconds. Then the audit trail, the upstream's record and what the clients saw must agree.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, signToken } from '../../src/auth/sign-token.ts';
import { startPostgres, type TestPostgres } from '../../testkit/support/postgres.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/warden.js');
const DEPLOY = join(ROOT, 'deploy');
const ISSUER = 'https://cluster-idp.mcp-warden.invalid';
const CHAIN_KEY = 'cluster-chain-key-0123456789abcdef';
const REPLICAS = ['w1', 'w2', 'w3'] as const;
/** The upstream holds each call this long, so calls are in flight when a replica dies. */
const UPSTREAM_DELAY_MS = 80;
const CLIENTS = 9;

const dir = mkdtempSync(join(tmpdir(), 'warden-cluster-'));
let postgres: TestPostgres;
let sql: pg.Client;
const servers: Server[] = [];
const children = new Map<string, ChildProcess>();
let haproxy: ChildProcess | undefined;

/** While set, the upstream holds its answers: calls pile up in flight (the kill needs some on w1). */
let held: Promise<void> = Promise.resolve();
let release = () => undefined as void;
const hold = () => void (held = new Promise<void>((resolve) => (release = resolve)));

/** What the recording upstream executed: nonce -> times, and when. */
const executed = new Map<string, number>();
const executedAt: Array<{ nonce: string; at: number }> = [];

interface Answer { status: number; headers?: Record<string, string>; body: Buffer | string }
async function listen(handler: (req: IncomingMessage, body: string) => Answer | Promise<Answer>): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void Promise.resolve(handler(req, Buffer.concat(chunks).toString('utf8'))).then((answer) => res.writeHead(answer.status, answer.headers).end(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A minimal MCP upstream over plain HTTP (one JSON answer per POST) with one tool: `record`. */
async function recordingUpstream(req: IncomingMessage, body: string): Promise<Answer> {
  if (req.method !== 'POST') return { status: 405, body: '' };
  const message = JSON.parse(body) as { id?: number | string; method: string; params?: { arguments?: { nonce?: string } } };
  if (message.id === undefined) return { status: 202, body: '' };
  const reply = (result: unknown) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) });
  switch (message.method) {
    case 'initialize':
      return reply({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'recorder', version: '1' } });
    case 'tools/list':
      return reply({ tools: [{ name: 'record', description: 'Records a nonce', inputSchema: { type: 'object', properties: { nonce: { type: 'string' } }, required: ['nonce'] } }] });
    case 'tools/call': {
      const nonce = String(message.params?.arguments?.nonce);
      executed.set(nonce, (executed.get(nonce) ?? 0) + 1);
      executedAt.push({ nonce, at: Date.now() });
      await new Promise((r) => setTimeout(r, UPSTREAM_DELAY_MS));
      await held;
      return reply({ content: [{ type: 'text', text: `recorded ${nonce}` }] });
    }
    default:
      return reply({});
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ports = new Map<string, number>();
let env: Record<string, string>;

function startReplica(replica: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', join(DEPLOY, 'warden.postgres.config.json'), '--http', '--port', String(ports.get(replica))], {
    env: { ...env, HOSTNAME: replica },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => void (log = (log + c.toString()).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') process.stderr.write(`replica ${replica} exited with ${code ?? signal}:\n${log}\n`);
  });
  children.set(replica, child);
  return child;
}

const readyz = async (replica: string): Promise<number> =>
  fetch(`http://127.0.0.1:${ports.get(replica)}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => 0);

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let lbUrl = '';
let token = '';

beforeAll(async () => {
  const upstreamUrl = await listen(recordingUpstream);
  // The policy set every replica fetches: the default policies as an OPA bundle.
  const bundleDir = join(dir, 'bundle');
  mkdirSync(bundleDir);
  await run('tar', ['-czf', join(bundleDir, 'policies.tar.gz'), '-C', join(ROOT, 'policies'), '.']);
  const bundle = readFileSync(join(bundleDir, 'policies.tar.gz'));
  const bundleUrl = `${await listen(() => ({ status: 200, headers: { etag: '"1"', 'content-type': 'application/gzip' }, body: bundle }))}/policies.tar.gz`;

  postgres = await startPostgres();
  sql = new pg.Client({ connectionString: postgres.url });
  sql.on('error', () => undefined);
  await sql.connect();
  writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { rec: { type: 'http', url: `${upstreamUrl}/mcp` } } }));
  env = {
    PATH: process.env.PATH ?? '',
    WARDEN_LOG_LEVEL: 'warn',
    WARDEN_MCP_SERVERS: join(dir, 'mcp.json'),
    WARDEN_HOST: '127.0.0.1',
    WARDEN_PUBLIC_HOST: '127.0.0.1',
    WARDEN_SESSION_KEY: 'cluster-session-key-0123456789abcdef',
    WARDEN_ISSUER: ISSUER,
    WARDEN_JWT_PUBLIC_KEY: join(ROOT, 'examples/keys/dev-only-public.pem'),
    WARDEN_POLICY_BUNDLE_URL: bundleUrl,
    WARDEN_AUDIT_URL: postgres.url,
    WARDEN_AUDIT_CHAIN_KEY: CHAIN_KEY,
  };
  for (const replica of REPLICAS) ports.set(replica, await freePort());
  for (const replica of REPLICAS) startReplica(replica);
  await until(async () => (await Promise.all(REPLICAS.map(readyz))).every((s) => s === 200), 'three ready replicas', 90_000);

  const lbPort = await freePort();
  lbUrl = `http://127.0.0.1:${lbPort}/mcp`;
  haproxy = spawn('haproxy', ['-db', '-f', join(DEPLOY, 'haproxy.cfg')], {
    env: { ...env, WARDEN_LB_BIND: `127.0.0.1:${lbPort}`, ...Object.fromEntries(REPLICAS.map((r, i) => [`WARDEN_${i + 1}`, `127.0.0.1:${ports.get(r)}`])) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: string | undefined;
  haproxy.once('exit', (code) => void (exited = `HAProxy exited with ${code} (its messages are above)`));
  await until(async () => {
    if (exited) throw new Error(exited);
    return (await fetch(lbUrl.replace('/mcp', '/readyz')).then((r) => r.status, () => 0)) === 200;
  }, 'HAProxy routing');
  const signing = await loadSigningKey(join(ROOT, 'examples/keys/dev-only-private.pem'));
  token = (await signToken(signing, { sub: 'loadgen', roles: ['admin'], scopes: [], iss: ISSUER, aud: 'mcp-warden', ttlSeconds: 3600 }, undefined, Date.now())).token;
}, 150_000);

afterAll(async () => {
  haproxy?.kill('SIGKILL');
  for (const child of children.values()) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await sql?.end().catch(() => undefined);
  await postgres?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

interface ClientRecord {
  session: string;
  ok: string[];
  failed: string[];
}

describe('three replicas behind HAProxy', () => {
  it('survive a killed replica, a frozen one and a database outage: the audit trail, the upstream and the clients agree', async () => {
    let stop = false;
    let n = 0;
    const records: ClientRecord[] = [];
    const loops = Array.from({ length: CLIENTS }, async (_, c) => {
      const record: ClientRecord = { session: '', ok: [], failed: [] };
      records.push(record);
      const transport = new StreamableHTTPClientTransport(new URL(lbUrl), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
        // Reconnection of the optional GET stream is not what this test is about.
        reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
      });
      const client = new Client({ name: `load-${c}`, version: '1' });
      client.onerror = () => undefined;
      // The only initialize of this client: the SDK never opens a session again by itself, so
      // every later call that succeeds ran in this session, wherever HAProxy sent it.
      await client.connect(transport);
      record.session = transport.sessionId!;
      while (!stop) {
        const nonce = `c${c}-${(n += 1)}`;
        try {
          // A response stream cut by a killed replica never ends: give up on it after 10 s.
          await client.callTool({ name: 'rec__record', arguments: { nonce } }, undefined, { timeout: 10_000 });
          record.ok.push(nonce);
        } catch {
          record.failed.push(nonce);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await client.close().catch(() => undefined);
    });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(3000);

    // Marks taken mid-run: verify must still find these rows at the end.
    const marks = JSON.parse((await run(process.execPath, [BIN, 'audit', 'verify', '--db', postgres.url, '--json'], { env: { ...env } })).stdout) as { chains: Array<{ replica: string; lastSeq: number; lastHash: string }> };

    // 1. w1 dies with calls in flight: the upstream holds its answers until the database shows
    // calls forwarded by w1 and still open, then w1 is killed and the upstream lets go.
    const received = executedAt.length;
    hold();
    await until(() => executedAt.length >= received + CLIENTS - 1, 'calls held at the upstream', 20_000);
    children.get('w1')!.kill('SIGKILL');
    const openAtKill = await openCalls('w1');
    release();
    const beforeKill = await sessionsOn('w1');
    await pause(4000);

    // 2. w2 is frozen past idle_in_transaction_session_timeout (5 s), then resumed.
    children.get('w2')!.kill('SIGSTOP');
    await pause(6500);
    children.get('w2')!.kill('SIGCONT');
    await until(async () => (await readyz('w2')) === 200, 'w2 ready again', 30_000);
    await pause(2000);

    // 3. PostgreSQL stops for a few seconds: readiness 503 on every live replica, nothing forwarded.
    await postgres.stop();
    const stoppedAt = Date.now();
    const sawUnready = new Set<string>();
    while (Date.now() - stoppedAt < 4000) {
      for (const replica of ['w2', 'w3']) if ((await readyz(replica)) === 503) sawUnready.add(replica);
      await pause(200);
    }
    const restartAt = Date.now();
    await postgres.start();
    await until(async () => (await readyz('w2')) === 200 && (await readyz('w3')) === 200, 'replicas ready after the outage', 30_000);
    await pause(2000);
    stop = true;
    await Promise.all(loops);
    await sql.end().catch(() => undefined);
    sql = new pg.Client({ connectionString: postgres.url });
    await sql.connect();

    // The survivors close w1's open calls by themselves (two witness sweeps, 5 s each).
    await until(async () => (await openCalls('w1')) === 0, 'w1 open calls closed by the survivors', 40_000);

    const decisions = await decisionRows();
    const byNonce = new Map(decisions.map((d) => [d.nonce, d]));
    const outcomes = await outcomeRows();

    // Every nonce the upstream executed has a committed allow decision, and ran once.
    for (const [nonce, times] of executed) {
      const at = executedAt.find((e) => e.nonce === nonce)!.at;
      expect(byNonce.get(nonce)?.decision, `nonce ${nonce} executed without an allow decision, ${at - stoppedAt} ms after PostgreSQL stopped`).toBe('allow');
      expect(times, `nonce ${nonce} ran ${times} times`).toBe(1);
    }
    // Every call a client saw succeed has an ok outcome.
    const ok = records.flatMap((r) => r.ok);
    expect(ok.length).toBeGreaterThan(100);
    for (const nonce of ok) expect(outcomes.get(byNonce.get(nonce)!.decisionId), `nonce ${nonce}`).toBe('ok');
    // The dead replica's open calls are incomplete (and there were some: it died under load).
    const w1Incomplete = decisions.filter((d) => d.replica === 'w1' && d.decision === 'allow' && outcomes.get(d.decisionId) === 'incomplete');
    const w1Outcomes = decisions.filter((d) => d.replica === 'w1' && d.decision === 'allow').map((d) => outcomes.get(d.decisionId));
    const tally = Object.fromEntries([...new Set(w1Outcomes)].map((o) => [String(o), w1Outcomes.filter((x) => x === o).length]));
    expect(w1Incomplete.length, `outcomes of w1's allowed calls: ${JSON.stringify(tally)}; open at the kill: ${openAtKill}`).toBeGreaterThan(0);
    // While PostgreSQL was down the replicas were not ready and the upstream received nothing new.
    expect([...sawUnready].sort()).toEqual(['w2', 'w3']);
    const duringOutage = executedAt.filter((e) => e.at > stoppedAt + 500 && e.at < restartAt);
    expect(duringOutage).toEqual([]);
    // Sessions of the killed replica went on elsewhere, without a new initialize: the same session
    // id (a digest of the sealed one; a new initialize would have made a new one) on other chains.
    expect(beforeKill.size).toBeGreaterThan(0);
    for (const session of beforeKill) {
      const after = decisions.filter((d) => d.session === session && d.replica !== 'w1');
      expect(after.length, `session ${session} continued on another replica`).toBeGreaterThan(0);
    }
    // Every chain verifies, with the marks taken mid-run.
    const expects = marks.chains.flatMap((c) => ['--expect', `${c.replica}:${c.lastSeq}:${c.lastHash}`]);
    const verified = await run(process.execPath, [BIN, 'audit', 'verify', '--db', postgres.url, '--json', ...expects], { env: { ...env } });
    const report = JSON.parse(verified.stdout) as { ok: boolean; chains: Array<{ replica: string; ok: boolean }> };
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => c.replica).sort()).toEqual(['w1', 'w2', 'w3']);
  }, 170_000);

  it('the nginx config of deploy/ is valid for nginx', async () => {
    const prefix = join(dir, 'nginx');
    mkdirSync(join(prefix, 'tmp'), { recursive: true });
    const checked = await run('nginx', ['-t', '-p', prefix, '-c', join(DEPLOY, 'nginx.conf')]).catch((error: { stderr: string }) => ({ stderr: error.stderr }));
    expect(checked.stderr).toContain('syntax is ok');
    expect(checked.stderr).toContain('test is successful');
  });
});

/** Session ids (as audit rows carry them) with decisions in `replica`'s chain so far. */
async function sessionsOn(replica: string): Promise<Set<string>> {
  const rows = await sql.query<{ session_id: string }>("SELECT DISTINCT session_id FROM events WHERE replica_id = $1 AND kind = 'decision' AND method = 'tools/call'", [replica]);
  return new Set(rows.rows.map((r) => r.session_id));
}

async function openCalls(replica: string): Promise<number> {
  const rows = await sql.query<{ n: string }>(
    `SELECT count(*) AS n FROM events d WHERE d.replica_id = $1 AND d.kind = 'decision' AND d.decision = 'allow' AND d.method = 'tools/call'
       AND NOT EXISTS (SELECT 1 FROM events o WHERE o.replica_id = $1 AND o.kind = 'outcome' AND o.decision_id = d.decision_id)`,
    [replica],
  );
  return Number(rows.rows[0]!.n);
}

async function decisionRows(): Promise<Array<{ replica: string; nonce: string; decision: string; decisionId: string; session: string }>> {
  const rows = await sql.query<{ replica_id: string; decision: string; decision_id: string; session_id: string; data: string }>(
    "SELECT replica_id, decision, decision_id, session_id, data FROM events WHERE kind = 'decision' AND method = 'tools/call'",
  );
  return rows.rows.map((r) => ({
    replica: r.replica_id, decision: r.decision, decisionId: r.decision_id, session: r.session_id,
    nonce: String((JSON.parse(r.data) as { arguments?: { nonce?: string } }).arguments?.nonce),
  }));
}

async function outcomeRows(): Promise<Map<string, string>> {
  const rows = await sql.query<{ decision_id: string; outcome: string }>("SELECT decision_id, outcome FROM events WHERE kind = 'outcome' ORDER BY replica_id, seq");
  return new Map(rows.rows.map((r) => [r.decision_id, r.outcome]));
}
