import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { fixtureCommand, startFixture, type FixtureHandle } from '../../../testkit/fixtures/spawn.ts';
import { auditRows } from '../../../testkit/support/audit.ts';
import { startRecordingProxy, type RecordingProxy } from '../../../testkit/support/servers.ts';
import { newSigningKey, signToken } from '../../../testkit/support/tokens.ts';
import { startGateway, tempDir, writeGatewayDir, type GatewayDir, type RunningGateway } from '../../../testkit/support/worlds/security.ts';

/**
 * Each upstream is spoken to in the newest era it supports (issue 11): `server/discover` first,
 * `initialize` when the upstream answers as an old-era server. One config mixes the new-era-only
 * fixture (stdio and Streamable HTTP) with old-era servers (the published server-everything over
 * stdio, the kitchen-sink over Streamable HTTP and legacy SSE). What each upstream received is
 * read on the wire: a recorder in front of each stdio child, a recording proxy in front of each
 * HTTP upstream. Clients of both eras call through the gateway; the audit rows name both eras.
 */
const MODERN = '2026-07-28';
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const RECORDER = fileURLToPath(new URL('../../../testkit/fixtures/stdio-recorder.mjs', import.meta.url));
const EVERYTHING = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

let dir: GatewayDir;
let gateway: RunningGateway;
let token: string;
let modernHttp: FixtureHandle;
let sinkHttp: FixtureHandle;
let sinkSse: FixtureHandle;
let modernProxy: RecordingProxy;
let sinkProxy: RecordingProxy;
let modernLog: string;
let everythingLog: string;

beforeAll(async () => {
  const key = await newSigningKey('upstream-era-key');
  const root = tempDir();
  modernLog = join(root, 'modern-stdio.jsonl');
  everythingLog = join(root, 'everything-stdio.jsonl');
  [modernHttp, sinkHttp, sinkSse] = await Promise.all([startFixture('modern-only', 'http'), startFixture('kitchen-sink', 'http'), startFixture('kitchen-sink', 'sse')]);
  [modernProxy, sinkProxy] = await Promise.all([startRecordingProxy(modernHttp.url!), startRecordingProxy(sinkHttp.url!)]);
  const modernStdio = fixtureCommand('modern-only', 'stdio');
  dir = writeGatewayDir({
    dir: root,
    key,
    mcpServers: {
      mstdio: { command: process.execPath, args: [RECORDER, modernLog, modernStdio.command, ...modernStdio.args], env: {} },
      mhttp: { type: 'http', url: modernProxy.url, headers: {} },
      everything: { command: process.execPath, args: [RECORDER, everythingLog, process.execPath, EVERYTHING, 'stdio'], env: {} },
      shttp: { type: 'http', url: sinkProxy.url, headers: {} },
      ssse: sinkSse.entry,
    },
  });
  writeFileSync(dir.policy, 'package mcp.authz\n\ndefault allow := false\n\nallow if input.principal.sub == "alice"\n');
  gateway = await startGateway(dir);
  token = await signToken(key);
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([modernProxy?.close(), sinkProxy?.close(), modernHttp?.close(), sinkHttp?.close(), sinkSse?.close()]);
  if (dir) rmSync(dir.dir, { recursive: true, force: true });
});

/** Every JSON-RPC message a stdio upstream received, in order. */
const stdioMessages = (log: string): Array<{ method?: string; params?: { _meta?: Record<string, unknown> } }> =>
  existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { method?: string }) : [];
const bodies = (proxy: RecordingProxy) =>
  proxy.received.filter((r) => r.method === 'POST' && r.body).map((r) => ({ headers: r.headers, message: JSON.parse(r.body) as { method?: string; params?: { _meta?: Record<string, unknown> } } }));

const ECHOES = ['mstdio__echo', 'mhttp__echo', 'everything__echo', 'shttp__echo', 'ssse__echo'];

async function modernClient(): Promise<ClientV2> {
  const client = new ClientV2({ name: 'v2-client', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new HttpTransportV2(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

describe('upstreams in the newest era each supports', () => {
  beforeAll(async () => {
    const client = await modernClient();
    try {
      for (let i = 0; i < 300; i++) {
        const names = new Set((await client.listTools()).tools.map((t) => t.name));
        if (ECHOES.every((name) => names.has(name))) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the gateway never listed every upstream');
    } finally {
      await client.close();
    }
  }, 60_000);

  it('relays calls from clients of both eras to upstreams of both eras', async () => {
    const modern = await modernClient();
    const legacy = await connectClient({ type: 'http', url: gateway.url, headers: { authorization: `Bearer ${token}` } });
    try {
      expect(modern.getProtocolEra()).toBe('modern');
      for (const name of ECHOES) {
        const viaModern = await modern.callTool({ name, arguments: { message: `new ${name}` } });
        expect(JSON.stringify(viaModern.content), name).toContain(`new ${name}`);
        const viaLegacy = await legacy.callTool({ name, arguments: { message: `old ${name}` } });
        expect(JSON.stringify(viaLegacy.content), name).toContain(`old ${name}`);
      }
    } finally {
      await Promise.all([modern.close(), legacy.close()]);
    }
  });

  it('refuses an old-era upstream\'s elicitation/create toward a new-era caller that declared no elicitation, with a clear error the upstream answers with', async () => {
    const modern = await modernClient();
    try {
      const outcome = await modern.callTool({ name: 'shttp__elicit', arguments: { message: 'name?' } }).then(
        (result) => JSON.stringify(result.content),
        (error: unknown) => (error as Error).message,
      );
      expect(outcome).toContain('cannot ask the caller elicitation/create: its request did not declare the elicitation capability in _meta');
    } finally {
      await modern.close();
    }
  });

  it('speaks the new era to the new-era fixture over stdio: discovery, no initialize, the envelope on every request', () => {
    const messages = stdioMessages(modernLog);
    expect(messages[0]?.method).toBe('server/discover');
    expect(messages.map((m) => m.method)).not.toContain('initialize');
    const calls = messages.filter((m) => m.method === 'tools/call');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect(call.params?._meta?.[VERSION_KEY]).toBe(MODERN);
  });

  it('speaks the new era to the new-era fixture over Streamable HTTP, with the headers mirrored from the body', () => {
    const posts = bodies(modernProxy);
    expect(posts[0]?.message.method).toBe('server/discover');
    expect(posts.map((p) => p.message.method)).not.toContain('initialize');
    const calls = posts.filter((p) => p.message.method === 'tools/call');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const { headers, message } of calls) {
      expect(message.params?._meta?.[VERSION_KEY]).toBe(MODERN);
      expect(headers).toMatchObject({ 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
      expect(headers['mcp-session-id']).toBeUndefined();
    }
  });

  it('falls back to initialize for the old-era reference server over stdio, after one discovery probe', () => {
    const methods = stdioMessages(everythingLog).map((m) => m.method);
    expect(methods[0]).toBe('server/discover');
    expect(methods[1]).toBe('initialize');
    const calls = stdioMessages(everythingLog).filter((m) => m.method === 'tools/call');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect(call.params?._meta?.[VERSION_KEY]).toBeUndefined();
  });

  it('falls back to initialize for the old-era server over Streamable HTTP, and sends it no new-era headers', () => {
    const posts = bodies(sinkProxy);
    expect(posts[0]?.message.method).toBe('server/discover');
    expect(posts[1]?.message.method).toBe('initialize');
    const calls = posts.filter((p) => p.message.method === 'tools/call');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const { headers } of calls) {
      expect(headers['mcp-method']).toBeUndefined();
      expect(headers['mcp-session-id']).toBeTypeOf('string');
    }
  });

  it('records the era of both sides in every decision row', () => {
    const rows = auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.method === 'tools/call');
    const eras = new Set(rows.map((r) => {
      const data = JSON.parse(r.data) as { protocol_version: string; upstream_protocol_version: string };
      return `${r.upstream} ${data.protocol_version === MODERN ? 'new' : 'old'}->${data.upstream_protocol_version === MODERN ? 'new' : 'old'}`;
    }));
    for (const side of ['new', 'old']) {
      expect(eras).toContain(`mstdio ${side}->new`);
      expect(eras).toContain(`mhttp ${side}->new`);
      expect(eras).toContain(`everything ${side}->old`);
      expect(eras).toContain(`shttp ${side}->old`);
      expect(eras).toContain(`ssse ${side}->old`);
    }
    for (const row of rows) expect((JSON.parse(row.data) as { upstream_protocol_version: unknown }).upstream_protocol_version).toBeTypeOf('string');
  });
});
