import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';

/**
 * Upstreams whose event stream asks for `retry: 0` and ends at once, every time: an old-era
 * Streamable HTTP one (its standalone GET stream, after initialized) and a legacy SSE one (its
 * /sse stream, after the endpoint event). The gateway opened them again at once, over and over
 * (hundreds of requests a second); it now waits at least MIN_RETRY_MS (250 ms) between tries. The
 * upstreams are plain `node:http` speaking just the opening, so nothing in between tidies what
 * they send.
 */
let gets = 0;
let sseGets = 0;
let upstream: Server;
let gateway: TestGateway;

function answer(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET' && req.url === '/sse') {
    sseGets += 1;
    return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end('retry: 0\nevent: endpoint\ndata: /messages\n\n');
  }
  if (req.method === 'GET') {
    gets += 1;
    return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end('retry: 0\n\n');
  }
  if (req.url === '/messages') return void req.resume().on('end', () => res.writeHead(202).end());
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { id, method } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string };
    if (id === undefined) return void res.writeHead(202).end();
    const result =
      method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'restless', version: '1' } }
      : method === 'tools/list' ? { tools: [{ name: 'noop', inputSchema: { type: 'object' } }] }
      : undefined;
    const body = JSON.stringify(result === undefined ? { jsonrpc: '2.0', id, error: { code: -32601, message: `no ${method}` } } : { jsonrpc: '2.0', id, result });
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'restless-session' }).end(body);
  });
}

beforeAll(async () => {
  upstream = createServer(answer);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({ config: { mcpServers: { up: { type: 'http', url: `${origin}/mcp` }, legacy: { type: 'sse', url: `${origin}/sse` } } } });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** How often the stream counted by `count` is opened in one second, once it was opened the first time. */
async function opensPerSecond(count: () => number): Promise<number> {
  for (let waited = 0; count() === 0; waited += 20) {
    if (waited > 10_000) throw new Error('the gateway never opened the event stream');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const before = count();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return count() - before;
}

describe('an upstream event stream that asks to be reopened at once', () => {
  it('is reopened at most four times a second, not in a tight loop: Streamable HTTP and legacy SSE', async () => {
    const [streamable, legacy] = await Promise.all([opensPerSecond(() => gets), opensPerSecond(() => sseGets)]);
    expect(streamable).toBeGreaterThanOrEqual(1);
    expect(streamable).toBeLessThanOrEqual(5);
    expect(legacy).toBeGreaterThanOrEqual(1);
    expect(legacy).toBeLessThanOrEqual(5);
  });
});
