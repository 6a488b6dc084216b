/**
 * `npm run soak -- --minutes N [--workers 16] [--principals 40]`: a real `warden serve --http`
 * (Rego policy, SQLite audit, JWT auth, metrics on) in front of three upstreams, driven for N
 * minutes by many principals with a mix of allowed calls, policy denials, hidden and unknown
 * names and lists, while the script crashes the stdio upstream, hangs calls on the HTTP one past
 * its timeout, reopens sessions and sends SIGHUP (a reload) with a changed policy once a minute.
 * Prints the gateway's RSS, heap, open fds and sessions over time, calls/s, answers by code, and
 * the number of answered calls that have no decision row in the audit trail, which must be 0
 * (exit 1 otherwise, or when the gateway died).
 */
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { fileURLToPath } from 'node:url';
import { startListeningProcess } from '../src/cli/launch-process.ts';
import { relayServer, startFixture } from '../testkit/fixtures/spawn.ts';
import { openCaller, type Caller } from '../testkit/support/rpc.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, workers: { type: 'string', default: '16' }, principals: { type: 'string', default: '40' } } });
const minutes = Number(values.minutes);
const workers = Number(values.workers);
const principals = Number(values.principals);
if (!(minutes > 0 && workers > 0 && principals > 1)) {
  process.stderr.write('usage: npm run soak -- --minutes N [--workers 16] [--principals 40]\n');
  process.exit(2);
}

const WARDEN = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
const SECRET = 'soak-secret-'.padEnd(48, 'x');
const ISSUER = 'https://soak.example';
const AUDIENCE = 'mcp-warden-soak';
// Principals whose number is a multiple of 5 are "guests": every call of theirs is denied.
const POLICY = (generation: number) => `package mcp.authz

# generation ${generation}: rewritten before each SIGHUP, so every reload loads a new revision
default allow := false

guest if startswith(input.principal.sub, "guest-")

hidden if input.tool.upstream_name == "fail"

allow if {
	not guest
	not hidden
	not denied_argument
}

denied_argument if input.arguments.message == "forbidden"

reasons contains "forbidden message" if denied_argument
`;

const dir = mkdtempSync(join(tmpdir(), 'warden-soak-'));
const policyFile = join(dir, 'policy.rego');
writeFileSync(policyFile, POLICY(0));
const http = await startFixture('kitchen-sink', 'http');
const config = {
  mcpServers: {
    local: { ...relayServer('local'), timeout_ms: 2_000 },
    sink: { ...http.entry, timeout_ms: 1_000 },
    tools: { ...(await startFixture('kitchen-sink', 'stdio')).entry },
  },
  server: { metrics: true, session_idle_ms: 60_000 },
  upstream_defaults: { reconnect_initial_ms: 200, reconnect_max_ms: 2_000 },
  auth: { mode: 'jwt', issuers: [{ issuer: ISSUER, audience: AUDIENCE, secret_env: 'WARDEN_SOAK_SECRET', algorithms: ['HS256'] }] },
  policy: { paths: ['policy.rego'] },
  audit: { path: 'audit.db' },
};
writeFileSync(join(dir, 'warden.config.json'), JSON.stringify(config, null, 2));
// A generous start timeout: on a loaded machine tsx compiling the sources alone can take 20 s.
const gateway = await startListeningProcess(
  process.execPath,
  [WARDEN, 'serve', '--config', join(dir, 'warden.config.json'), '--http', '--port', '0'],
  { WARDEN_SOAK_SECRET: SECRET },
  (line) => {
    const record = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
    return record.msg === 'listening' ? record.url : undefined;
  },
  { startTimeoutMs: 180_000 },
);

const token = (sub: string) =>
  new SignJWT({ scope: 'mcp' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
const names = Array.from({ length: principals }, (_, i) => (i % 5 === 0 ? `guest-${i}` : `user-${i}`));
const tokens = await Promise.all(names.map(token));

/** Answers by code (OK for a result), and the JSON-RPC ids of answered tools/call requests. */
const codes = new Map<string, number>();
const answered = new Set<string>();
let calls = 0;
const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

/** One request of the mix; a worker runs these back to back as its principal. */
async function one(caller: Caller): Promise<void> {
  const r = Math.random();
  const [method, params] =
    r < 0.5 ? ['tools/call', { name: 'tools__echo', arguments: { message: 'hello' } }]
    : r < 0.6 ? ['tools/call', { name: 'local__echo', arguments: { message: 'hi' } }]
    : r < 0.68 ? ['tools/call', { name: 'tools__echo', arguments: { message: 'forbidden' } }]
    : r < 0.74 ? ['tools/call', { name: 'tools__fail', arguments: { message: 'hidden' } }]
    : r < 0.8 ? ['tools/call', { name: 'nothing__here' }]
    : r < 0.82 ? ['tools/call', { name: 'sink__slow', arguments: { steps: 100, delayMs: 100 } }] // hangs past its 1 s timeout
    : r < 0.95 ? ['tools/list', {}]
    : ['prompts/list', {}];
  const { body } = await caller.send(method as string, params as Record<string, unknown>);
  calls++;
  const code = body?.error ? String(body.error.data?.code ?? body.error.code) : 'OK';
  count(`${method} ${code}`);
  if (method === 'tools/call' && body !== undefined && body.id !== undefined) answered.add(String(body.id));
}

const started = Date.now();
const endAt = started + minutes * 60_000;
async function worker(index: number): Promise<void> {
  let caller: Caller | undefined;
  let openedAt = 0;
  while (Date.now() < endAt) {
    try {
      // A new session every ~30 s, the old one ended with DELETE (or left to idle out, every 4th).
      if (!caller || Date.now() - openedAt > 30_000) {
        if (caller && index % 4 !== 0) await fetch(gateway.url, { method: 'DELETE', headers: { authorization: `Bearer ${caller.token}`, 'mcp-session-id': caller.session } }).catch(() => undefined);
        const k = Math.floor(Math.random() * principals);
        caller = await openCaller(gateway.url, tokens[k]!);
        openedAt = Date.now();
      }
      await one(caller);
    } catch (error) {
      count(`transport ${(error as Error).message.slice(0, 60)}`);
      caller = undefined;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Crashes the stdio upstream every 20 s (its `crash` tool exits the process: the gateway restarts it). */
async function crasher(): Promise<void> {
  const caller = await openCaller(gateway.url, tokens[1]!);
  while (Date.now() < endAt) {
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await caller.send('tools/call', { name: 'local__crash', arguments: {} }).catch(() => undefined);
    count('crash sent');
  }
}

/** Once a minute: a new policy revision and SIGHUP. */
async function reloader(): Promise<void> {
  for (let generation = 1; Date.now() + 60_000 < endAt; generation++) {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    writeFileSync(policyFile, POLICY(generation));
    process.kill(gateway.pid, 'SIGHUP');
    count('reload sent');
  }
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? NaN : Number(line.split(' ').at(-1));
}

/** TCP sockets of a process by inode: the peer's port and the state (/proc/PID/net/tcp{,6}). */
function tcpSockets(pid: number): Map<string, { local: number; remote: number; state: string }> {
  const states: Record<string, string> = { '01': 'est', '06': 'time_wait', '08': 'close_wait', '0A': 'listen' };
  const sockets = new Map<string, { local: number; remote: number; state: string }>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const port = (address: string) => Number.parseInt(address.split(':')[1]!, 16);
      sockets.set(f[9]!, { local: port(f[1]!), remote: port(f[2]!), state: states[f[3]!] ?? f[3]! });
    }
  }
  return sockets;
}

/**
 * The gateway's open fds by kind, so a growing count says what grows: TCP sockets as `in` (clients
 * on the gateway's port) or `out:NAME` (to an upstream, by its port), with their state when not
 * established; pipes, anon inodes, and files by base name.
 */
function fdKinds(pid: number, ports: ReadonlyMap<number, string>): { total: number; kinds: string } {
  const kinds = new Map<string, number>();
  const tcp = tcpSockets(pid);
  const fds = readdirSync(`/proc/${pid}/fd`);
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between the listing and the read
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const socket = inode === undefined ? undefined : tcp.get(inode);
    let kind: string;
    if (socket !== undefined) {
      const where = socket.state === 'listen' ? 'listen' : ports.get(socket.local) === 'gateway' ? 'in' : `out:${ports.get(socket.remote) ?? socket.remote}`;
      kind = socket.state === 'est' || socket.state === 'listen' ? where : `${where} ${socket.state}`;
    } else {
      kind = /^(socket|pipe|anon_inode):/.exec(target)?.[1] ?? target.replace(/^.*\//, '');
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const listed = [...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`);
  return { total: fds.length, kinds: listed.join(', ') };
}
const portOf = (url: string | undefined) => (url === undefined ? 0 : Number(new URL(url).port));

const samples: string[] = [];
async function sampler(): Promise<void> {
  let lastCalls = 0;
  let lastAt = Date.now();
  while (Date.now() < endAt) {
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const text = await (await fetch(new URL('/metrics', gateway.url))).text();
    const status = readFileSync(`/proc/${gateway.pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
    const fds = fdKinds(gateway.pid, new Map([[portOf(gateway.url), 'gateway'], [portOf(http.url), 'sink']]));
    const now = Date.now();
    const rate = (calls - lastCalls) / ((now - lastAt) / 1000);
    [lastCalls, lastAt] = [calls, now];
    const line = [
      `${((now - started) / 60_000).toFixed(1).padStart(5)} min`,
      `rss ${rss.toFixed(0)} MB`,
      `heap ${(metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(0)} MB`,
      `fds ${fds.total} (${fds.kinds})`,
      `sessions ${metric(text, 'warden_sessions_open', '{era="legacy"}')}`,
      `${rate.toFixed(0)} calls/s`,
    ].join('  ');
    samples.push(line);
    process.stdout.write(`${line}\n`);
  }
}

process.stdout.write(`soak: ${minutes} min, ${workers} workers, ${principals} principals, gateway pid ${gateway.pid} (${dir})\n`);
let exitCode = 0;
try {
  await Promise.all([...Array.from({ length: workers }, (_, i) => worker(i)), crasher(), reloader(), sampler()]);
  // Let the last outcome rows commit, then compare what was answered with what was recorded.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const db = new Database(join(dir, 'audit.db'), { readonly: true });
  const recorded = new Set((db.prepare("SELECT request_id FROM events WHERE kind = 'decision' AND method = 'tools/call'").all() as Array<{ request_id: string }>).map((r) => r.request_id));
  const reloads = db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'policy_reload'").get() as { n: number };
  db.close();
  const missing = [...answered].filter((id) => !recorded.has(id));
  const alive = (() => {
    try {
      return readFileSync(`/proc/${gateway.pid}/status`, 'utf8').length > 0;
    } catch {
      return false;
    }
  })();
  if (!alive) {
    process.stdout.write('the gateway process died during the soak\n');
    exitCode = 1;
  }
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\ncalls: ${calls} in ${seconds.toFixed(0)} s (${(calls / seconds).toFixed(0)}/s); policy reloads recorded: ${reloads.n}\n`);
  for (const [code, n] of [...codes].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(8)}  ${code}\n`);
  process.stdout.write(`answered tools/call without a decision row: ${missing.length}${missing.length ? ` (e.g. ${missing.slice(0, 5).join(', ')})` : ''}\n`);
  if (missing.length > 0) exitCode = 1;
} catch (error) {
  process.stderr.write(`soak failed: ${(error as Error).stack}\n${gateway.stderr.slice(-20).join('\n')}\n`);
  exitCode = 1;
} finally {
  await gateway.close();
  await http.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
