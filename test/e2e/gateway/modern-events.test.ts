import { Client as ClientV2, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { MemoryAuditSink, TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';

/**
 * What a new-era upstream (the SDK v2 modern-kitchen fixture, over stdio) says beside its answers,
 * through the gateway to callers of both eras: resource updates (issue 11, "Notifications").
 *
 * The gateway asks the upstream, on its own listen stream, for the URIs callers subscribed to
 * (new-era listen streams, old-era resources/subscribe) and relays each update only to callers
 * that named that URI and may read it. "Does not hear" is proven after a round trip: a later
 * update the same stream does hear (each stream's updates are judged in order).
 */
const A = 'kitchen://note/a';
const B = 'kitchen://note/b';

/** bob may not read note A; everything else is allowed. */
const policy = () => new TestPolicyEngine((input) => !(input.principal?.sub === 'bob' && input.resource?.uri === A));

interface Heard {
  client: ClientV2;
  updates: string[];
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a new-era upstream: resource updates through the gateway', () => {
  let gw: TestGateway;
  const listeners: Heard[] = [];

  const listen = async (token: string, uris: string[]): Promise<Heard> => {
    const client = new ClientV2({ name: `listener-${token}`, version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    const heard: Heard = { client, updates: [] };
    client.setNotificationHandler('notifications/resources/updated', (notification) => void heard.updates.push(notification.params.uri));
    await client.listen({ resourceSubscriptions: uris });
    listeners.push(heard);
    return heard;
  };
  const touch = (client: ClientV2, uri: string) => client.callTool({ name: 'mk__touch', arguments: { uri } });

  beforeAll(async () => {
    gw = await startTestGateway({ config: { mcpServers: { mk: { ...fixtureCommand('modern-kitchen', 'stdio'), env: {} } } }, policy: policy(), audit: new MemoryAuditSink() });
  });

  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.client.close()));
    await gw?.close();
  });

  it('asks the upstream for what callers named, and tells only those who named it and may read it', async () => {
    const alice = await listen('token-alice', [A]);
    const bob = await listen('token-bob', [A, B]);
    const carol = await listen('token-carol', [B]);
    // An old-era caller subscribes the old way; the upstream has no resources/subscribe, the gateway's listen stream carries it.
    const dave: ClientV1 = await gw.connect({ token: 'token-dave' });
    const daveHeard: string[] = [];
    dave.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void daveHeard.push(notification.params.uri));
    await dave.subscribeResource({ uri: A });

    await touch(alice.client, A);
    await until('alice to hear of A', () => alice.updates.includes(A));
    await until('dave to hear of A', () => daveHeard.includes(A));
    await touch(alice.client, B);
    await until('bob to hear of B', () => bob.updates.includes(B));
    await until('carol to hear of B', () => carol.updates.includes(B));
    // bob named A but may not read it; carol never named A; dave never named B. Each heard B (or
    // A) after A (or B) was judged for it, so what they did not hear they will not.
    expect(bob.updates).toEqual([B]);
    expect(carol.updates).toEqual([B]);
    expect(alice.updates).toEqual([A]);
    await touch(alice.client, A);
    await until('dave to hear of A again', () => daveHeard.length === 2);
    expect(daveHeard).toEqual([A, A]);
  });

  it('asks the upstream again for a URI named after every caller that named it left', async () => {
    // Everyone leaves (the set goes empty); a newcomer names B and hears of B, not of A.
    // (That the upstream was asked for less in between is not visible from outside the gateway.)
    for (const heard of listeners.splice(0)) await heard.client.close();
    const erin = await listen('token-erin', [B]);
    await touch(erin.client, A);
    await touch(erin.client, B);
    await until('erin to hear of B', () => erin.updates.includes(B));
    expect(erin.updates).toEqual([B]);
  });
});

/**
 * Log messages and progress through the gateway, in both eras on both sides (issue 11 "progress
 * and logging keep working in both eras", issue 13 "new-era upstream logs"). A 2026-07-28 caller
 * asks for its request's messages in `_meta` (logLevel; the era has no logging/setLevel): a
 * new-era upstream gets the level with the request, an old-era one a logging/setLevel. Messages
 * and progress of a call travel before its answer on the caller's stream, so once the answer is
 * in, what was not heard will not be.
 */
describe('log messages and progress through the gateway, both eras', () => {
  let gw: TestGateway;
  let modern: ClientV2;
  let messages: Array<{ level: string; logger?: string; data: unknown }>;

  beforeAll(async () => {
    gw = await startTestGateway({
      config: { mcpServers: { mk: { ...fixtureCommand('modern-kitchen', 'stdio'), env: {} }, ks: { ...fixtureCommand('kitchen-sink', 'stdio'), env: {} } } },
      audit: new MemoryAuditSink(),
    });
    modern = new ClientV2({ name: 'logs', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { Authorization: 'Bearer token-alice' } } }));
    messages = [];
    modern.setNotificationHandler('notifications/message', (notification) => void messages.push(notification.params as (typeof messages)[number]));
  });

  afterAll(async () => {
    await modern?.close();
    await gw?.close();
  });

  const asking = (level?: string) => (level === undefined ? {} : { _meta: { [LOG_LEVEL_META_KEY]: level } });

  it('gives a new-era caller the messages of its request from a new-era upstream, at its level, and progress', async () => {
    messages.length = 0;
    const progress: number[] = [];
    const result = await modern.callTool({ name: 'mk__chatty', arguments: { tag: 'one' }, ...asking('info') }, { onprogress: (p) => void progress.push(p.progress) });
    expect(result.content).toEqual([{ type: 'text', text: 'one done' }]);
    expect(messages).toEqual([{ level: 'info', logger: 'mk', data: 'one: info' }]);
    expect(progress).toEqual([1, 2]);

    messages.length = 0;
    await modern.callTool({ name: 'mk__chatty', arguments: { tag: 'two' }, ...asking('debug') });
    expect(messages.map((m) => m.data)).toEqual(['two: info', 'two: debug']);

    // A request that asked for no messages hears none.
    messages.length = 0;
    await modern.callTool({ name: 'mk__chatty', arguments: { tag: 'three' } });
    expect(messages).toEqual([]);
  });

  it('sets an old-era upstream to a new-era caller\'s level, and relays what it then logs, and its progress', async () => {
    messages.length = 0;
    await modern.callTool({ name: 'ks__log', arguments: { level: 'info', message: 'quiet' }, ...asking('warning') });
    await modern.callTool({ name: 'ks__log', arguments: { level: 'error', message: 'loud' }, ...asking('warning') });
    expect(messages).toEqual([{ level: 'error', logger: 'ks/kitchen-sink', data: 'loud' }]);

    const progress: number[] = [];
    await modern.callTool({ name: 'ks__slow', arguments: { steps: 3, delayMs: 1 } }, { onprogress: (p) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
  });

  it('relays a new-era upstream\'s progress and (after logging/setLevel) its messages to an old-era caller', async () => {
    const legacy: ClientV1 = await gw.connect({ token: 'token-bob' });
    const heard: unknown[] = [];
    legacy.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void heard.push(notification.params.data));
    const progress: number[] = [];
    const result = await legacy.callTool({ name: 'mk__chatty', arguments: { tag: 'old' } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    expect(result.content).toEqual([{ type: 'text', text: 'old done' }]);
    expect(progress).toEqual([1, 2]);
    expect(heard).toEqual([]);
    // Its session's level rides on each of its calls to a new-era upstream.
    await legacy.setLoggingLevel('info');
    await legacy.callTool({ name: 'mk__chatty', arguments: { tag: 'older' } });
    expect(heard).toEqual(['older: info']);
  });
});
