/**
 * Issue 13, hole 6: JSON-RPC batch arrays were accepted on /mcp although no negotiated protocol
 * has batching (removed in 2025-06-18). Refused with -32600 Invalid Request, as the legacy
 * endpoint refuses them, and nothing in the batch is decided or forwarded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postRaw } from '../../../testkit/support/rpc.ts';
import { decisionRowOf } from '../../../testkit/support/audit.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

let t: OpenWorld;

beforeAll(async () => void (t = await openRecordingWorld()), 60_000);
afterAll(() => t?.close());

const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'batched' } } });

describe('hole 6: batches on /mcp', () => {
  it('refuses a batch inside a session with 400 and -32600; nothing in it is decided or forwarded', async () => {
    const before = t.world.proxy.received.length;
    const answer = await postRaw(t.world.gateway.url, JSON.stringify([call(7001), call(7002)]), t.session);
    expect(answer.status).toBe(400);
    expect(answer.messages).toEqual([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringContaining('one JSON-RPC message'), data: { code: 'REQUEST_INVALID' } } }]);
    expect(t.world.proxy.received.length).toBe(before);
    expect(decisionRowOf(t.world.audit, 7001)).toBeUndefined();
    expect(decisionRowOf(t.world.audit, 7002)).toBeUndefined();
  });

  it('refuses a batched initialize, and an empty batch, the same way', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'b', version: '1' } } };
    for (const body of [[init], []]) {
      const answer = await postRaw(t.world.gateway.url, JSON.stringify(body));
      expect(answer.status).toBe(400);
      expect(answer.messages[0]?.error?.code).toBe(-32600);
    }
  });

  it('refuses a batch on the legacy endpoint too (unchanged)', async () => {
    const base = t.world.gateway.url.replace(/\/mcp$/, '');
    const controller = new AbortController();
    const stream = await fetch(`${base}/sse`, { signal: controller.signal });
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('sessionId=')) text += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(text)![1]!;
    const answer = await fetch(new URL(endpoint, base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([call(7003)]) });
    controller.abort();
    expect(answer.status).toBe(400);
    expect(decisionRowOf(t.world.audit, 7003)).toBeUndefined();
  });
});
