import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS_HOLD_MS } from '../../../src/downstream/first-event-headers.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { openSession, request } from '../../../testkit/support/rpc.ts';

/**
 * An old-era call answered as an SSE stream: its headers leave with the first event in one write
 * (first-event-headers.ts), or alone after HEADERS_HOLD_MS when the call is slow. Read on a raw
 * socket, where each write of the gateway arrives as one read (loopback, a few hundred bytes).
 */
let gw: TestGateway;
let session: string;

beforeAll(async () => {
  gw = await startTestGateway({ config: { mcpServers: { sink: relayServer('sink') } } });
  session = await openSession(gw.edge.url, 'token-alice');
  for (let deadline = Date.now() + 30_000; !gw.gateway.catalog.snapshot.tools.has('sink__echo'); ) {
    if (Date.now() > deadline) throw new Error('the fixture upstream did not connect');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(() => gw?.close());

/** One POST on a fresh connection; every chunk read up to the answer's event, with the time it arrived (ms after sending). */
function rawCall(message: Record<string, unknown>): Promise<Array<{ at: number; text: string }>> {
  const url = new URL(gw.edge.url);
  const body = JSON.stringify(message);
  const head = [
    `POST ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    'Mcp-Protocol-Version: 2025-11-25',
    `Mcp-Session-Id: ${session}`,
    'Authorization: Bearer token-alice',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Array<{ at: number; text: string }> = [];
    const socket = connect(Number(url.port), url.hostname);
    let sent = 0;
    socket.on('connect', () => {
      sent = performance.now();
      socket.write(`${head}\r\n\r\n${body}`);
    });
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      chunks.push({ at: performance.now() - sent, text });
      if (text.includes('event: message')) {
        socket.destroy();
        resolve(chunks);
      }
    });
    socket.on('end', () => reject(new Error(`the connection ended before the answer: ${JSON.stringify(chunks)}`)));
    socket.on('error', reject);
  });
}

describe('an old-era call\'s SSE headers', () => {
  it('leave in the same write as a fast call\'s answer', async () => {
    const chunks = await rawCall(request('tools/call', { name: 'sink__echo', arguments: { message: 'together' } }));
    expect(chunks[0]!.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(chunks[0]!.text).toContain('content-type: text/event-stream');
    expect(chunks[0]!.text).toContain('event: message');
    expect(chunks[0]!.text).toContain('together');
  });

  it('leave alone after the hold when the call is slow, long before its answer', async () => {
    const delayMs = HEADERS_HOLD_MS * 10;
    const chunks = await rawCall(request('tools/call', { name: 'sink__slow', arguments: { steps: 1, delayMs } }));
    expect(chunks[0]!.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(chunks[0]!.text).not.toContain('event: message');
    expect(chunks[0]!.at).toBeGreaterThanOrEqual(HEADERS_HOLD_MS - 5);
    const answer = chunks.findIndex((chunk) => chunk.text.includes('event: message'));
    expect(answer).toBeGreaterThan(0);
    expect(chunks[answer]!.at - chunks[0]!.at).toBeGreaterThan(delayMs / 2);
  });
});
