/**
 * A new-era caller over HTTP cancels by closing the request's stream, which over HTTP/1.1 is its
 * connection. The requests of one connection share one cancellation
 * (src/downstream/connection-cancellation.ts): the close must cancel the call still unanswered
 * on it, and leave the one answered before it on the same connection as it was recorded.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, waitFor } from '../../../testkit/support/audit.ts';
import { modernEnvelope } from '../../../testkit/support/rpc.ts';
import { startRecordingWorld, type RecordingWorld } from '../../../testkit/support/worlds/recording.ts';

let world: RecordingWorld;
beforeAll(async () => void (world = await startRecordingWorld()), 60_000);
afterAll(() => world?.close());

const call = (id: string, name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: modernEnvelope() } });

/** A new-era POST on `agent`'s one connection; `sent` gets the request (to destroy it). */
function post(agent: Agent, body: string, name: string, sent?: (req: ReturnType<typeof request>) => void): Promise<{ status: number; text: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      world.gateway.url,
      { agent, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, reused: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    sent?.(req);
    req.end(body);
  });
}

const outcomeOf = (requestId: string) => waitFor(() => readEvents(world.audit, "kind = 'outcome' AND request_id = ?", requestId)[0]?.outcome, (outcome) => outcome !== undefined);

describe('cancellation of new-era requests over HTTP', () => {
  it('closing the connection cancels the call unanswered on it, not the one answered before it', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answered = await post(agent, call('conn-first', 'up__echo', { message: 'first' }), 'up__echo');
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.text)).toMatchObject({ id: 'conn-first', result: { resultType: 'complete' } });

      const before = world.proxy.received.length;
      let slow: ReturnType<typeof request> | undefined;
      const pending = post(agent, call('conn-slow', 'up__slow', { steps: 100, delayMs: 100 }), 'up__slow', (req) => (slow = req)).catch((error: unknown) => error);
      await waitFor(() => world.proxy.received.slice(before).some((r) => r.body.includes('"tools/call"')), (seen) => seen);
      expect(slow!.reusedSocket, 'the slow call went on the first call\'s connection').toBe(true);
      slow!.destroy();
      expect(await pending).toBeInstanceOf(Error);

      // The upstream hears the cancellation long before the call's 10 s would have run out.
      const cancelled = await waitFor(() => world.proxy.received.slice(before).some((r) => r.body.includes('notifications/cancelled')), (seen) => seen, 5_000);
      expect(cancelled, 'the upstream got notifications/cancelled').toBe(true);
      expect(await outcomeOf('conn-slow')).toBe('cancelled');
      expect(await outcomeOf('conn-first')).toBe('ok');
    } finally {
      agent.destroy();
    }
  }, 30_000);

  it('a connection closed after its calls were answered cancels nothing', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = world.proxy.received.length;
    const answered = await post(agent, call('conn-idle', 'up__echo', { message: 'then idle' }), 'up__echo');
    expect(answered.status).toBe(200);
    agent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.proxy.received.slice(before).some((r) => r.body.includes('notifications/cancelled'))).toBe(false);
    expect(await outcomeOf('conn-idle')).toBe('ok');
  }, 30_000);
});
