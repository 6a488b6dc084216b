/**
 * Issue 13, hole 8: a cancelled request's POST stream was never closed (no response is sent for
 * a cancelled request, and the transport waited for one), and a second request reusing an id
 * still in flight in the same session took over the first one's stream, losing its answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../testkit/support/audit.ts';
import { startRawStdio } from '../../../testkit/support/gateway-process.ts';
import { modernEnvelope, postRaw } from '../../../testkit/support/rpc.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

let t: OpenWorld;

beforeAll(async () => void (t = await openRecordingWorld()), 60_000);
afterAll(() => t?.close());

const slow = (id: number | string, steps: number, delayMs: number) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__slow', arguments: { steps, delayMs } } });

/** Resolves once the upstream has received a tools/call for the slow tool (the call is in flight). */
async function inFlightUpstream(before: number): Promise<void> {
  while (!t.world.proxy.received.slice(before).some((r) => r.body.includes('"tools/call"'))) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('hole 8: cancellation leftovers', () => {
  it('closes the POST stream of a request the caller cancelled', async () => {
    const before = t.world.proxy.received.length;
    // 100 steps of 100 ms: the stream would stay open 10 s unless the cancellation closes it.
    const started = Date.now();
    const pending = postRaw(t.world.gateway.url, slow(8001, 100, 100), t.session);
    await inFlightUpstream(before);
    const cancel = await postRaw(t.world.gateway.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 8001, reason: 'test' } }), t.session);
    expect(cancel.status).toBe(202);
    const answer = await pending;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer.status).toBe(200);
    expect(answer.messages.filter((m) => m.id === 8001), 'no response for a cancelled request').toEqual([]);
  }, 30_000);

  it('refuses a duplicate of an id in flight in the session, and the first request keeps its answer', async () => {
    const before = t.world.proxy.received.length;
    const first = postRaw(t.world.gateway.url, slow('dup', 3, 200), t.session);
    await inFlightUpstream(before);
    const duplicate = await postRaw(t.world.gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'second' } } }), t.session);
    expect(duplicate.status).toBe(400);
    expect(duplicate.messages).toEqual([{ jsonrpc: '2.0', id: 'dup', error: { code: -32600, message: 'Request id "dup" is still in flight in this session', data: { code: 'REQUEST_ID_IN_USE' } } }]);
    const answer = await first;
    expect(answer.messages.find((m) => m.id === 'dup')?.result?.content?.[0]?.text).toBe('completed 3 steps');
    // Once answered, the id is free again.
    const again = await postRaw(t.world.gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 'dup', method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'third' } } }), t.session);
    expect(again.messages.find((m) => m.id === 'dup')?.result?.content).toEqual([{ type: 'text', text: 'third' }]);
  }, 30_000);

  it('keeps 1 and "1" apart', async () => {
    const before = t.world.proxy.received.length;
    const numeric = postRaw(t.world.gateway.url, slow(1, 2, 100), t.session);
    await inFlightUpstream(before);
    const text = await postRaw(t.world.gateway.url, JSON.stringify({ jsonrpc: '2.0', id: '1', method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'string id' } } }), t.session);
    expect(text.messages.find((m) => m.id === '1')?.result?.content).toEqual([{ type: 'text', text: 'string id' }]);
    expect((await numeric).messages.find((m) => m.id === 1)?.result).toBeDefined();
  }, 30_000);

  it("honours a new-era stdio client's notifications/cancelled, which carries no envelope: the upstream call is cancelled and no answer comes", async () => {
    // Found with the Python SDK's client: on a 2026-07-28 stdio connection its cancellation (no
    // per-request _meta envelope, as the spec allows for notifications) was classified old era
    // and dropped, so the upstream call ran on to its end.
    const stdio = await startRawStdio(t.world.config, {}, 'new');
    try {
      const before = t.world.proxy.received.length;
      const call = { jsonrpc: '2.0', id: 'modern-slow', method: 'tools/call', params: { name: 'up__slow', arguments: { steps: 100, delayMs: 100 }, _meta: modernEnvelope() } };
      stdio.write(JSON.stringify(call));
      await inFlightUpstream(before);
      stdio.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'modern-slow', reason: 'test' } }));
      const started = Date.now();
      const cancelled = await waitFor(() => t.world.proxy.received.slice(before).some((r) => r.body.includes('notifications/cancelled')), (seen) => seen, 5_000);
      expect(cancelled, 'the upstream got notifications/cancelled').toBe(true);
      // Long before the call's 10 s would have run out.
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stdio.lines.filter((m) => m.id === 'modern-slow'), 'no answer for a cancelled request').toEqual([]);
    } finally {
      await stdio.close();
    }
  }, 30_000);
});
