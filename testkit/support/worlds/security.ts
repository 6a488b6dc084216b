/**
 * One complete deployment for a test file: a signing key (published as a JWKS file and by a JWKS
 * HTTP server), three kitchen-sink upstreams, and the gateway process over the test policy.
 * `close()` stops everything that was started, in reverse order.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { JwksServer, startRecordingProxy, type RecordingProxy } from '../servers.ts';
import { jwks, newSigningKey, signToken, type SigningKey, type TokenOptions, AUDIENCE, ISSUER, REMOTE_ISSUER, SCOPE, STRICT_ISSUER } from '../tokens.ts';
import type { McpServerEntry } from '../../../src/config/schema.ts';
import { gatewayStdioEntry, startGatewayHttp } from '../gateway-process.ts';
import { startFixture, type FixtureHandle } from '../../fixtures/spawn.ts';
import { auditRows } from '../audit.ts';

export interface World {
  key: SigningKey;
  jwksServer: JwksServer;
  upstreams: Upstreams;
  dir: GatewayDir;
  gateway: RunningGateway;
  token(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startWorld(options: { watch?: boolean; jwksCooldownMs?: number; server?: Record<string, unknown> } = {}): Promise<World> {
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    const key = await newSigningKey('test-key-1');
    const jwksServer = await JwksServer.start({ kind: 'serve', body: jwks(key) });
    closers.push(() => jwksServer.close());
    const path = tempDir();
    closers.push(() => rmSync(path, { recursive: true, force: true }));
    const upstreams = await startUpstreams(path);
    closers.push(() => upstreams.close());
    const dir = writeGatewayDir({ dir: path, mcpServers: upstreams.entries, key, remoteJwks: jwksServer.url, ...options });
    const gateway = await startGateway(dir, { UPSTREAM_KEY });
    closers.push(() => gateway.close());
    return { key, jwksServer, upstreams, dir, gateway, token: (o) => signToken(key, o), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Resolves once alice's tools/list names the echo tool of every upstream: the gateway listens
 * before a slow upstream (a fixture starting on a busy machine) has joined the catalog.
 */
export async function waitForCatalog(caller: { list(method: string, key: string): Promise<Array<Record<string, unknown>>> }, names: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = new Set((await caller.list('tools/list', 'tools')).map((tool) => tool.name));
    if (names.every((name) => listed.has(name))) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not list ${names.join(', ')} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The gateway as production runs it: `node bin/warden.js serve --config <tmp> --http --port 0`
 * (or `--stdio`), over `buildServices`' real authenticator (jose), Rego engine and SQLite audit.
 * The config is written into a temp dir together with the JWKS file and the test policy.
 */

export const TEST_POLICY = fileURLToPath(new URL('./security.rego', import.meta.url));

export interface GatewayDirOptions {
  /** An existing temp dir (from tempDir()) to write into. */
  dir: string;
  mcpServers: Record<string, McpServerEntry>;
  key: SigningKey;
  /** JWKS URL for REMOTE_ISSUER; omitted: no remote issuer. */
  remoteJwks?: string;
  /** REMOTE_ISSUER's jwks_cooldown_ms (default 0: every unknown kid refetches). */
  jwksCooldownMs?: number;
  /** Watch the policy file (hot reload tests). */
  watch?: boolean;
  /** The config's `server` section (metrics, admin_port, ...). */
  server?: Record<string, unknown>;
}

export interface GatewayDir {
  dir: string;
  config: string;
  policy: string;
  audit: string;
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'warden-sec-'));

/** Writes into `dir` warden.config.json, jwks.json and policy.rego (a copy: tests may rewrite it). */
export function writeGatewayDir(options: GatewayDirOptions): GatewayDir {
  const { dir } = options;
  const policy = join(dir, 'policy.rego');
  copyFileSync(TEST_POLICY, policy);
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(options.key)));
  const local = { audience: [AUDIENCE, 'https://other.example'], jwks_file: 'jwks.json', algorithms: ['RS256'] };
  const issuers: object[] = [{ issuer: ISSUER, ...local }, { issuer: STRICT_ISSUER, ...local, clock_tolerance: 0 }];
  if (options.remoteJwks) {
    issuers.push({ issuer: REMOTE_ISSUER, audience: AUDIENCE, jwks_uri: options.remoteJwks, algorithms: ['RS256'], jwks_cooldown_ms: options.jwksCooldownMs ?? 0, jwks_timeout_ms: 1000 });
  }
  const config = {
    mcpServers: options.mcpServers,
    auth: {
      mode: 'jwt',
      issuers,
      required_scopes: [SCOPE],
      authorization_servers: [ISSUER],
      scopes_supported: [SCOPE],
    },
    policy: { paths: ['policy.rego'], watch: options.watch ?? false, watch_debounce_ms: 50 },
    audit: { path: 'audit.db' },
    ...(options.server ? { server: options.server } : {}),
  };
  const file = join(dir, 'warden.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, config: file, policy, audit: join(dir, 'audit.db') };
}

export interface RunningGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  url: string;
  /** The gateway process (signals: SIGHUP reloads). */
  pid: number;
  stderr: string[];
  close(): Promise<void>;
}

export async function startGateway(dir: GatewayDir, env: Record<string, string> = {}): Promise<RunningGateway> {
  const proc = await startGatewayHttp(dir.config, { WARDEN_LOG_LEVEL: 'info', ...env });
  return { url: proc.url, pid: proc.pid, stderr: proc.stderr, close: proc.close };
}

/** The gateway as a stdio server, the way Claude Code starts it: the token in WARDEN_TOKEN. */
export const stdioEntryWithToken = (dir: GatewayDir, token: string): McpServerEntry => gatewayStdioEntry(dir.config, { WARDEN_TOKEN: token, WARDEN_LOG_LEVEL: 'silent' });

/**
 * The kitchen-sink fixture three times, once per upstream transport, each counting what reaches
 * it: the fixture's KITCHEN_SINK_CALLS_FILE (tools/call, all transports) and, for HTTP and SSE,
 * a recording proxy that sees every request the upstream gets (headers and JSON-RPC methods).
 */

export const TRANSPORTS = ['stdio', 'http', 'sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Sent by the gateway to the HTTP/SSE upstreams from their config entry (`${UPSTREAM_KEY}`). */
export const UPSTREAM_KEY = 'upstream-key-from-config';

export interface Upstreams {
  entries: Record<Transport, McpServerEntry>;
  proxies: Record<'http' | 'sse', RecordingProxy>;
  /** tools/call requests the upstream of `transport` has received so far. */
  calls(transport: Transport): number;
  /** Sum over the three upstreams. */
  totalCalls(): number;
  close(): Promise<void>;
}

export async function startUpstreams(dir: string): Promise<Upstreams> {
  const file = (t: Transport) => join(dir, `calls-${t}.json`);
  const env = (t: Transport) => ({ KITCHEN_SINK_CALLS_FILE: file(t) });
  const started: FixtureHandle[] = [];
  const proxies: RecordingProxy[] = [];
  const close = async () => {
    await Promise.allSettled(proxies.map((p) => p.close()));
    await Promise.allSettled(started.map((f) => f.close()));
  };
  try {
    const [stdio, http, sse] = await Promise.all(TRANSPORTS.map((t) => startFixture('kitchen-sink', t, { env: env(t) })));
    started.push(stdio!, http!, sse!);
    const [httpProxy, sseProxy] = await Promise.all([startRecordingProxy(http!.url!), startRecordingProxy(sse!.url!)]);
    proxies.push(httpProxy!, sseProxy!);
    const headers = { 'X-Upstream-Key': '${UPSTREAM_KEY}' };
    const calls = (t: Transport) => {
      try {
        return (JSON.parse(readFileSync(file(t), 'utf8')) as { total: number }).total;
      } catch {
        return 0; // the stdio child is started by the gateway; no file until it runs
      }
    };
    return {
      entries: { stdio: stdio!.entry, http: { type: 'http', url: httpProxy!.url, headers }, sse: { type: 'sse', url: sseProxy!.url, headers } },
      proxies: { http: httpProxy!, sse: sseProxy! },
      calls,
      totalCalls: () => TRANSPORTS.reduce((sum, t) => sum + calls(t), 0),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * What reached the upstreams and the audit trail, so every refusal can also assert that nothing
 * was forwarded: tools/call counts of all three kitchen-sinks plus every forwarded request the
 * HTTP/SSE upstreams received (resources/read, prompts/get, ... are invisible to the counter).
 */

const FORWARDED = new Set(['tools/call', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'prompts/get', 'completion/complete']);

export interface Seen {
  calls: number;
  forwarded: string[];
  decisions: number;
}

export function seen(world: World): Seen {
  const rows = auditRows(world.dir.audit);
  return {
    calls: world.upstreams.totalCalls(),
    forwarded: [...world.upstreams.proxies.http.methods(), ...world.upstreams.proxies.sse.methods()].filter((m) => FORWARDED.has(m)),
    decisions: rows.filter((r) => r.kind === 'decision').length,
  };
}

/**
 * No upstream received anything since `before`, and exactly `decisions` new decision rows were
 * written (0 for refusals before the policy; outcome rows are checked per decision id, since an
 * earlier allowed call's outcome row may still be committing).
 */
export function expectNothingForwarded(world: World, before: Seen, decisions = 0): void {
  const now = seen(world);
  expect(now.calls, 'tools/call requests that reached an upstream').toBe(before.calls);
  expect(now.forwarded, 'requests the HTTP/SSE upstreams received').toEqual(before.forwarded);
  expect(now.decisions - before.decisions, 'new decision rows').toBe(decisions);
}
