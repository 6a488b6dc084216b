import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/** Everything is allowed, except that only alice may see a tool named `*__for_alice`. */
const aliceOnly = () => new TestPolicyEngine((input) => input.tool?.name.endsWith('__for_alice') !== true || input.principal?.sub === 'alice');

/** One gateway in front of the same fixture over each upstream transport: same behaviour everywhere. */
let gw: TestGateway;
const fixtures: HttpFixture[] = [];

beforeAll(async () => {
  const http = await startHttpFixture('http', 'web');
  const sse = await startHttpFixture('sse', 'old');
  fixtures.push(http, sse);
  gw = await startTestGateway({
    config: {
      mcpServers: { local: relayServer('local'), web: { type: 'http', url: http.url }, old: { type: 'sse', url: sse.url } },
      upstream_defaults: { timeout_ms: 1500 },
    },
    policy: aliceOnly(),
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all(fixtures.map((f) => f.close()));
});

const text = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]!.text);

describe('gateway relay', () => {
  it('aggregates every upstream under <upstream>__<tool>, descriptions prefixed, following upstream pagination', async () => {
    const client = await gw.connect();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const upstream of ['local', 'web', 'old']) {
      expect(names).toEqual(expect.arrayContaining(['echo', 'slow', 'sample', 'add_tool', 'crash', 'stats', 'whoami', 'log', 'env', 'touch', 'ask', 'roots'].map((t) => `${upstream}__${t}`)));
    }
    expect(tools.find((t) => t.name === 'web__echo')).toMatchObject({ description: '[web] echo tool of web', annotations: { readOnlyHint: true } });
  });

  it.each(['local', 'web', 'old'])('routes %s__whoami to its upstream and keeps unknown result fields', async (upstream) => {
    const client = await gw.connect();
    expect(text(await client.callTool({ name: `${upstream}__whoami`, arguments: {} }))).toBe(upstream);
    const raw = await client.request({ method: 'tools/call', params: { name: `${upstream}__echo`, arguments: { message: 'hi' } } }, (await import('zod')).z.looseObject({}));
    expect(raw).toEqual({ content: [{ type: 'text', text: 'hi', annotations: { priority: 1 } }], extraField: { kept: true } });
  });

  it.each(['local', 'web', 'old'])('delivers every progress notification of %s before the result, under the caller token', async (upstream) => {
    const client = await gw.connect();
    const seen: number[] = [];
    const result = await client.callTool({ name: `${upstream}__slow`, arguments: { steps: 4, delayMs: 5 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(text(result)).toBe('done after 4');
  });

  it.each(['local', 'web', 'old'])('relays sampling from %s to the client whose call caused it', async (upstream) => {
    const client = await gw.connect({ capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant', model: 'test-model', content: { type: 'text', text: `reply to ${(request.params.messages[0]!.content as { text: string }).text}` },
    }));
    expect(text(await client.callTool({ name: `${upstream}__sample`, arguments: { message: 'ping' } }))).toBe('sampled: reply to ping');
  });

  it('relays elicitation/create and roots/list to the calling client and returns its answers', async () => {
    const client = await gw.connect({ capabilities: { elicitation: { form: {} }, roots: { listChanged: true } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => ({ action: 'accept', content: { name: `answer to ${request.params.message}` } }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
    expect(text(await client.callTool({ name: 'local__ask', arguments: { message: 'who?' } }))).toBe('accept: {"name":"answer to who?"}');
    expect(text(await client.callTool({ name: 'web__roots', arguments: {} }))).toBe('file:///work');
  });

  it('refuses a server request it cannot attribute: with two sessions in flight on the upstream, no client sees it', async () => {
    const [a, b] = [await gw.connect({ capabilities: { sampling: {} } }), await gw.connect({ capabilities: { sampling: {} } })];
    const asked: string[] = [];
    for (const [who, client] of [['a', a], ['b', b]] as const) {
      client.setRequestHandler(CreateMessageRequestSchema, async () => {
        asked.push(who);
        return { role: 'assistant', model: 'm', content: { type: 'text', text: 'leaked' } };
      });
    }
    const long = a.callTool({ name: 'old__slow', arguments: { steps: 1, delayMs: 800 } });
    await new Promise((r) => setTimeout(r, 100));
    await expect(b.callTool({ name: 'old__sample', arguments: { message: 'secret' } })).rejects.toThrow('mcp-warden cannot tell which client sampling/createMessage is for');
    expect(text(await long)).toBe('done after 1');
    expect(asked).toEqual([]);
  });

  it('cancels the upstream call when the client cancels', async () => {
    const client = await gw.connect();
    const before = JSON.parse(text(await client.callTool({ name: 'web__stats', arguments: {} })));
    const abort = new AbortController();
    const pending = client.callTool({ name: 'web__slow', arguments: { steps: 1, delayMs: 3000 } }, undefined, { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toThrow('AbortError');
    let cancelled = before.cancelled;
    for (let i = 0; i < 50 && cancelled === before.cancelled; i++) {
      await new Promise((r) => setTimeout(r, 20));
      cancelled = JSON.parse(text(await client.callTool({ name: 'web__stats', arguments: {} }))).cancelled;
    }
    expect(cancelled).toBe(before.cancelled + 1);
  });

  it('answers UPSTREAM_TIMEOUT (-32001) when the upstream is slower than the per-call timeout', async () => {
    const client = await gw.connect();
    await expect(client.callTool({ name: 'local__slow', arguments: { steps: 1, delayMs: 2500 } })).rejects.toMatchObject({
      code: -32001, message: expect.stringContaining('Upstream "local" did not answer within 1500 ms'), data: { code: 'UPSTREAM_TIMEOUT', upstream: 'local', timeoutMs: 1500 },
    });
  });

  it('keeps two clients with the same JSON-RPC ids apart: results, progress and cancellation', async () => {
    const [a, b] = [await gw.connect(), await gw.connect()];
    // Both clients number their requests from the same start, so these calls share ids.
    const progressA: string[] = [];
    const progressB: string[] = [];
    const abortB = new AbortController();
    const callA = a.callTool({ name: 'local__slow', arguments: { steps: 3, delayMs: 30 } }, undefined, { onprogress: (p) => void progressA.push(p.message!) });
    const callB = b
      .callTool({ name: 'local__slow', arguments: { steps: 3, delayMs: 300 } }, undefined, { onprogress: (p) => void progressB.push(p.message!), signal: abortB.signal })
      .then(() => 'completed', () => 'cancelled');
    setTimeout(() => abortB.abort(), 40);
    expect(text(await callA)).toBe('done after 3');
    expect(await callB).toBe('cancelled');
    expect(progressA).toEqual(['step 1', 'step 2', 'step 3']);
    expect(progressB.length).toBeLessThan(3);
  });

  it('refreshes on an upstream list_changed and tells each session that listed when its own view changed', async () => {
    const alice: Client = await gw.connect();
    const bob: Client = await gw.connect({ token: 'token-bob' });
    const heard: string[] = [];
    const waiting = new Map<string, () => void>();
    for (const [who, client] of [['alice', alice], ['bob', bob]] as const) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        heard.push(who);
        waiting.get(who)?.();
      });
    }
    const heardBy = (who: string) => new Promise<void>((resolve) => waiting.set(who, resolve));
    // What each was shown is the view a change is compared with.
    await alice.listTools();
    await bob.listTools();
    let aliceHeard = heardBy('alice');
    await alice.callTool({ name: 'old__add_tool', arguments: { message: 'for_alice' } });
    await aliceHeard;
    // Both sessions' views were decided on the same change; bob's answer to a request sent after
    // alice heard would come after a notification already on its way to him.
    await bob.ping();
    expect(heard).toEqual(['alice']);
    expect((await alice.listTools()).tools.map((t) => t.name)).toContain('old__for_alice');
    expect((await bob.listTools()).tools.map((t) => t.name)).not.toContain('old__for_alice');

    // A tool both may see: both hear of it (bob's channel works; above he was not told).
    aliceHeard = heardBy('alice');
    const bobHeard = heardBy('bob');
    await bob.callTool({ name: 'old__add_tool', arguments: { message: 'fresh' } });
    await Promise.all([aliceHeard, bobHeard]);
    expect(heard.toSorted()).toEqual(['alice', 'alice', 'bob']);
    expect((await bob.listTools()).tools.map((t) => t.name)).toContain('old__fresh');
  });

  it('tells a session that has not listed nothing: it has nothing to refresh', async () => {
    const [lister, silent] = [await gw.connect(), await gw.connect()];
    const heard: string[] = [];
    const listerHeard = new Promise<void>((resolve) => lister.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    silent.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard.push('silent'));
    await lister.listTools();
    await silent.callTool({ name: 'web__add_tool', arguments: { message: 'newer' } });
    await listerHeard;
    await silent.ping();
    expect(heard).toEqual([]);
  });

  it('tells a session of a change it may not see when its view cannot be decided (its token expired)', async () => {
    let now = Date.now();
    const expiring = await startTestGateway({ config: { mcpServers: { x: relayServer('x') } }, policy: aliceOnly(), clock: { now: () => now } });
    try {
      const bob = await expiring.connect({ token: 'token-bob' });
      const heard = new Promise<void>((resolve) => bob.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
      await bob.listTools();
      // Past the test tokens' expiry (year 2100) on the gateway's clock.
      now = 4102444800_000 + 1;
      await bob.callTool({ name: 'x__add_tool', arguments: { message: 'for_alice' } });
      await heard;
      expect((await bob.listTools()).tools.map((t) => t.name)).not.toContain('x__for_alice');
    } finally {
      await expiring.close();
    }
  });

  it('serves resources by URI (first upstream in config order wins) and namespaced prompts', async () => {
    const client = await gw.connect();
    const { resources } = await client.listResources();
    expect(resources.filter((r) => r.uri === 'test://shared')).toEqual([{ uri: 'test://shared', name: 'shared from local' }]);
    expect(await client.readResource({ uri: 'test://shared' })).toEqual({ contents: [{ uri: 'test://shared', mimeType: 'text/plain', text: 'local:test://shared' }] });
    expect(await client.readResource({ uri: 'test://web/info' })).toMatchObject({ contents: [{ text: 'web:test://web/info' }] });
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['local__greet', 'web__greet', 'old__greet']);
    expect(await client.getPrompt({ name: 'old__greet', arguments: { who: 'bob' } })).toMatchObject({ messages: [{ content: { text: 'hello bob from old' } }] });
  });

  it('relays resources/updated only to sessions subscribed to that URI', async () => {
    const [subscriber, other] = [await gw.connect(), await gw.connect()];
    const updates: string[] = [];
    subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(`subscriber:${n.params.uri}`));
    other.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(`other:${n.params.uri}`));
    await subscriber.subscribeResource({ uri: 'test://web/info' });
    await other.callTool({ name: 'web__touch', arguments: { message: 'test://web/info' } });
    await other.callTool({ name: 'web__touch', arguments: { message: 'test://web/other' } });
    await subscriber.unsubscribeResource({ uri: 'test://web/info' });
    await other.callTool({ name: 'web__touch', arguments: { message: 'test://web/info' } });
    await subscriber.callTool({ name: 'web__whoami', arguments: {} });
    expect(updates).toEqual(['subscriber:test://web/info']);
  });

  it('keeps an upstream subscription while another session listens, whoever unsubscribes', async () => {
    const [first, second] = [await gw.connect(), await gw.connect()];
    const updates: string[] = [];
    second.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const stranger = await gw.connect();
    await first.subscribeResource({ uri: 'test://old/info' });
    await second.subscribeResource({ uri: 'test://old/info' });
    await first.unsubscribeResource({ uri: 'test://old/info' });
    await stranger.unsubscribeResource({ uri: 'test://old/info' });
    await first.callTool({ name: 'old__touch', arguments: { message: 'test://old/info' } });
    await second.callTool({ name: 'old__whoami', arguments: {} });
    expect(updates).toEqual(['test://old/info']);
  });

  it('cancels upstream the subscriptions of a session that closes', async () => {
    const [leaving, observer] = [await gw.connect(), await gw.connect()];
    const subscribed = async () => JSON.parse(text(await observer.callTool({ name: 'local__stats', arguments: {} }))).subscribed as string[];
    await leaving.subscribeResource({ uri: 'test://local/info' });
    expect(await subscribed()).toEqual(['test://local/info']);
    // An HTTP client ends its session with DELETE (terminateSession), then closes.
    await (leaving.transport as StreamableHTTPClientTransport).terminateSession();
    await leaving.close();
    let now = await subscribed();
    for (let i = 0; i < 50 && now.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      now = await subscribed();
    }
    expect(now).toEqual([]);
  });

  it('routes completion/complete for a namespaced prompt to its upstream under the original name', async () => {
    const client = await gw.connect();
    const result = await client.complete({ ref: { type: 'ref/prompt', name: 'web__greet' }, argument: { name: 'who', value: 'al' } });
    expect(result.completion.values).toEqual(['web:greet:al']);
  });

  it('answers unknown names with the stable codes', async () => {
    const client = await gw.connect();
    await expect(client.callTool({ name: 'nope__x', arguments: {} })).rejects.toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND', name: 'nope__x' } });
    await expect(client.readResource({ uri: 'test://none' })).rejects.toMatchObject({ code: -32002, data: { code: 'RESOURCE_NOT_FOUND' } });
    await expect(client.getPrompt({ name: 'x' })).rejects.toMatchObject({ code: -32602, data: { code: 'PROMPT_NOT_FOUND' } });
  });

  it('relays logging/setLevel upstream and upstream log messages with the upstream named', async () => {
    const client = await gw.connect();
    await client.setLoggingLevel('debug');
    const logged = new Promise<unknown>((resolve) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(n.params)));
    await client.callTool({ name: 'web__log', arguments: { message: 'disk almost full' } });
    expect(await logged).toEqual({ level: 'warning', logger: 'web/fixture', data: 'disk almost full' });
  });

  it('sends upstream log messages only to sessions that asked for them with logging/setLevel', async () => {
    const listener = await gw.connect();
    const bystander = await gw.connect();
    await listener.setLoggingLevel('debug');
    const heard: unknown[] = [];
    const overheard: unknown[] = [];
    const logged = new Promise<void>((resolve) =>
      listener.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void (heard.push(n.params), resolve())),
    );
    bystander.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void overheard.push(n.params));
    // The bystander's own call makes the upstream log: log lines are not tied to a caller.
    await bystander.callTool({ name: 'web__log', arguments: { message: 'bystander activity' } });
    await logged;
    await bystander.callTool({ name: 'web__whoami', arguments: {} });
    expect(heard).toEqual([{ level: 'warning', logger: 'web/fixture', data: 'bystander activity' }]);
    expect(overheard).toEqual([]);
  });

  it('works for a legacy SSE client', async () => {
    const client = await gw.connect({ legacySse: true });
    expect(text(await client.callTool({ name: 'web__whoami', arguments: {} }))).toBe('web');
  });
});
