import { connect, type Socket } from 'node:net';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { waitFor } from '../../../testkit/support/audit.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';

/**
 * The HTTP server's own timeouts, with real sockets that trickle (Node's defaults kept a trickled
 * body open 100 s and answered trickled headers with 408 after 84 s), and the session caps.
 */
const audit = new MemoryAuditSink();
const sessionEvents: string[] = [];
let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      mcpServers: { db: relayServer('db') },
      server: { headers_timeout_ms: 1000, request_timeout_ms: 2000, keep_alive_timeout_ms: 500 },
      limits: { sessions: { per_principal: 2, total: 3 } },
    },
    audit,
    authEdge: true,
    limitEvents: { sessionLimited: (scope) => void sessionEvents.push(scope) },
  });
  port = Number(new URL(gw.edge.url).port);
});
afterAll(() => gw?.close());

/** Opens a socket, sends `head`, then one byte of `trickle` every 100 ms; resolves with what came back and when the server closed. */
function trickle(head: string, drip: string): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let reply = '';
    let i = 0;
    const timer = setInterval(() => drip !== '' && socket.writable && socket.write(drip[i++ % drip.length]!), 100);
    socket.on('data', (chunk) => (reply += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ reply, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => socket.write(head));
    setTimeout(() => (clearInterval(timer), socket.destroy(), reject(new Error('the server kept a trickling client for 20 s'))), 20_000).unref();
  });
}

const initialize = (token: string) =>
  fetch(gw.edge.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });

describe('limits - HTTP server timeouts', () => {
  it('answers 408 and closes a client that trickles its request head past headers_timeout_ms', async () => {
    const { reply, closedAfterMs } = await trickle('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: abcdefgh\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    // headers_timeout_ms plus at most one check interval (1 s), with room for a loaded machine.
    expect(closedAfterMs).toBeLessThan(8000);
  });

  it('closes a client that trickles its body past request_timeout_ms', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token-alice\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const { closedAfterMs } = await trickle(head, '{"jsonrpc":"2.0",');
    expect(closedAfterMs).toBeGreaterThanOrEqual(1900);
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  it('closes an idle keep-alive connection after keep_alive_timeout_ms', async () => {
    const { reply, closedAfterMs } = await trickle('GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token-alice\r\n\r\n', '');
    expect(reply).toMatch(/^HTTP\/1\.1 404/);
    expect(closedAfterMs).toBeLessThan(8000);
  });
});

describe('limits - open sessions', () => {
  it('refuses an initialize beyond the per-caller cap and beyond the total with 429 SESSION_LIMIT and a deny row, and counts a closed session out', async () => {
    const first = await initialize('token-alice');
    expect(first.status).toBe(200);
    expect((await initialize('token-alice')).status).toBe(200);
    const refused = await initialize('token-alice');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ id: 1, error: { code: -32029, data: { code: 'SESSION_LIMIT' } } });
    expect(audit.events.findLast((e) => e.type === 'decision')?.event).toMatchObject({ method: 'initialize', decision: 'deny', code: 'SESSION_LIMIT', principal: { sub: 'alice' } });

    expect((await initialize('token-bob')).status).toBe(200);
    const full = await initialize('token-carol');
    expect(full.status).toBe(429);
    expect(sessionEvents).toEqual(['principal', 'total']);

    // Ending one of alice's sessions gives its slot back.
    const ended = await fetch(gw.edge.url, { method: 'DELETE', headers: { authorization: 'Bearer token-alice', 'mcp-session-id': first.headers.get('mcp-session-id')! } });
    expect(ended.status).toBe(200);
    expect((await initialize('token-carol')).status).toBe(200);
  });
});

describe('limits - listen streams count as sessions', () => {
  const listenAudit = new MemoryAuditSink();
  const limited: string[] = [];
  let edge: TestGateway;
  const clients: ClientV2[] = [];
  beforeAll(async () => {
    edge = await startTestGateway({
      config: { mcpServers: { db: relayServer('db') }, limits: { sessions: { per_principal: 1, total: 2 } } },
      audit: listenAudit,
      authEdge: true,
      limitEvents: { sessionLimited: (scope) => void limited.push(scope) },
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await edge?.close();
  });

  /** A new-era SDK v2 client of `token`'s caller, listening for tool list changes. */
  async function listen(token: string) {
    const client = new ClientV2({ name: `listener-${token}`, version: '1' }, { versionNegotiation: { mode: 'auto' } });
    clients.push(client);
    await client.connect(new HttpTransportV2(new URL(edge.edge.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client.listen({ toolsListChanged: true });
  }

  it('refuses a stream beyond the per-caller cap and beyond the total with SESSION_LIMIT, shares the count with old-era sessions, and counts a closed stream out', async () => {
    // A stream held open recomputes its caller's views on every list change: one caller opening them in a loop had no bound.
    const alice = await listen('token-alice');
    await expect(listen('token-alice')).rejects.toMatchObject({ code: -32029 });
    const refused = listenAudit.events.findLast((e) => e.type === 'outcome');
    expect(refused?.event).toMatchObject({ errorCode: 'SESSION_LIMIT' });
    const initialize = await fetch(edge.edge.url, {
      method: 'POST',
      headers: { authorization: 'Bearer token-alice', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(initialize.status).toBe(429);
    await listen('token-bob');
    await expect(listen('token-carol')).rejects.toMatchObject({ code: -32029 });
    expect(limited).toEqual(['principal', 'principal', 'total']);
    await alice.close();
    await waitFor(() => listen('token-carol').then(() => true, () => false), (opened) => opened);
  });
});
