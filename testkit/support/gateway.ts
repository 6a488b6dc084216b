/**
 * The gateway core in process (`Gateway` + the HTTP edge on 127.0.0.1:0), loaded from a config
 * written to a temp file exactly as `serve` loads it, with in-test engines by default
 * (engines.ts) or real ones a test passes in. For the gateway as a child process: gateway-process.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { SessionStateStore } from '../../src/audit/session-state.ts';
import type { AuditSink, AuditStore, AuthnFailureEvent } from '../../src/audit/sink.ts';
import type { Authenticator } from '../../src/auth/principal.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createAuthEdge } from '../../src/downstream/auth-edge.ts';
import { Gateway, type GatewayDeps } from '../../src/gateway/gateway.ts';
import { serveHttp, type HttpEdge, type HttpEdgeOptions } from '../../src/downstream/http.ts';
import { type LimitEvents, NO_LIMIT_EVENTS } from '../../src/limits/events.ts';
import { createLogger } from '../../src/log.ts';
import type { PolicyEngine } from '../../src/policy/contract.ts';
import { relayServer } from '../fixtures/spawn.ts';
import { allowAll, MemoryAuditSink, TestPolicyEngine, TestTokenAuthenticator } from './engines.ts';

export interface TestGateway {
  gateway: Gateway;
  edge: HttpEdge;
  audit: AuditSink;
  connect(options?: { token?: string; capabilities?: ClientCapabilities; legacySse?: boolean }): Promise<Client>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  config: Record<string, unknown>;
  policy?: PolicyEngine;
  audit?: AuditSink;
  authenticator?: Authenticator;
  authFailures?: { recordAuthnFailure(event: AuthnFailureEvent): void };
  /** Shared old-era sessions (several gateways given one sealer and one state store act as replicas). */
  sessions?: HttpEdgeOptions['sessions'];
  sessionState?: SessionStateStore;
  /** The HTTP auth edge in front (sessions bound to the principal), with the test authenticator. */
  authEdge?: boolean;
  /** Pinned definitions (a real audit store): without it nothing is pinned. */
  integrity?: GatewayDeps['integrity'];
  /** Where operator-mode approvals wait (a real audit store's table). */
  approvals?: GatewayDeps['approvals'];
  /** Who started which upstream task (a real audit store's table): without it tasks are not offered. */
  tasks?: GatewayDeps['tasks'];
  /** Only the limit events a test listens to; the others do nothing. */
  limitEvents?: Partial<LimitEvents>;
  /** The gateway's time (expiries, audit times); the real clock by default. */
  clock?: GatewayDeps['clock'];
}

/** Writes the config to a temp file, loads it like `serve` does, and serves HTTP on 127.0.0.1:0. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-gw-'));
  const file = join(dir, 'warden.config.json');
  writeFileSync(file, JSON.stringify(options.config));
  const config = loadConfig(file, {});
  const audit = options.audit ?? new MemoryAuditSink();
  const authenticator = options.authenticator ?? new TestTokenAuthenticator();
  const gateway = new Gateway(config, {
    authenticator,
    policy: options.policy ?? allowAll(),
    audit,
    ...(options.authFailures ? { authFailures: options.authFailures } : {}),
    ...(options.sessionState ? { sessionState: options.sessionState } : {}),
    ...(options.integrity ? { integrity: options.integrity } : {}),
    ...(options.approvals ? { approvals: options.approvals } : {}),
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    limitEvents: { ...NO_LIMIT_EVENTS, ...options.limitEvents },
    log: createLogger('silent'),
    version: 'test',
  });
  const clients: Client[] = [];
  let edge: HttpEdge | undefined;
  const close = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await edge?.close();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await gateway.start();
    edge = await serveHttp(gateway, {
      host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: config.server.max_body_bytes, sessionIdleMs: config.server.session_idle_ms,
      ...(options.sessions ? { sessions: options.sessions } : {}),
      ...(options.authEdge ? { auth: createAuthEdge({ authenticator, auth: config.auth, log: createLogger('silent') }) } : {}),
    });
  } catch (error) {
    await close();
    throw error;
  }
  const url = new URL(edge.url);
  return {
    gateway,
    edge,
    audit,
    async connect({ token = 'token-alice', capabilities = {}, legacySse = false } = {}) {
      const client = new Client({ name: 'test-client', version: '1' }, { capabilities });
      const requestInit = { headers: { Authorization: `Bearer ${token}` } };
      const transport = legacySse
        ? new SSEClientTransport(new URL('/sse', url), { requestInit, eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...requestInit.headers } }) } })
        : new StreamableHTTPClientTransport(url, { requestInit });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    close,
  };
}

/** A gateway core in front of the `db` fixture, auditing into the store a test gives it (either backend). */
export const denyWhoami = () => new TestPolicyEngine((input) => input.method !== 'tools/call' || input.tool?.name !== 'db__whoami');

export async function upstreamCalls(client: Client): Promise<number> {
  const result = (await client.callTool({ name: 'db__stats', arguments: {} })) as { content: { text: string }[] };
  return (JSON.parse(result.content[0]!.text) as { calls: number }).calls;
}

export async function withGateway<T>(store: AuditStore, use: (gw: TestGateway, client: Client) => Promise<T>): Promise<T> {
  const gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') } }, policy: denyWhoami(), audit: store });
  try {
    return await use(gw, await gw.connect());
  } finally {
    await gw.close();
  }
}
