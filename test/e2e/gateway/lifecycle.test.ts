import { ResourceUpdatedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

const open: Array<TestGateway | HttpFixture> = [];
afterAll(async () => {
  for (const item of open.reverse()) await item.close();
});
async function gateway(config: Record<string, unknown>): Promise<TestGateway> {
  const gw = await startTestGateway({ config });
  open.push(gw);
  return gw;
}
const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('gateway lifecycle', () => {
  it('starts degraded when an upstream is down, and offers its tools (with list_changed) once it is up', async () => {
    const probe = await startHttpFixture('http', 'late');
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const gw = await gateway({
      mcpServers: { db: relayServer('db'), late: { type: 'http', url: probe.url } },
      upstream_defaults: { reconnect_initial_ms: 50, reconnect_max_ms: 200 },
    });
    const client = await gw.connect();
    expect((await client.listTools()).tools.some((t) => t.name.startsWith('late__'))).toBe(false);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    open.push(await startHttpFixture('http', 'late', port));
    await changed;
    expect(text(await client.callTool({ name: 'late__whoami', arguments: {} }))).toBe('late');
  });

  it('restarts a crashed stdio upstream; calls meanwhile answer UPSTREAM_UNAVAILABLE, then work again with subscriptions renewed', async () => {
    const gw = await gateway({ mcpServers: { db: relayServer('db') }, upstream_defaults: { reconnect_initial_ms: 50, reconnect_max_ms: 200 } });
    const client = await gw.connect();
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await client.subscribeResource({ uri: 'test://db/info' });
    await expect(client.callTool({ name: 'db__crash', arguments: {} })).rejects.toMatchObject({ data: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'db' } });
    let answer: string | undefined;
    for (let i = 0; i < 100 && answer === undefined; i++) {
      answer = await client.callTool({ name: 'db__whoami', arguments: {} }).then(text, () => undefined);
      if (answer === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('db');
    // The fixture only notifies subscribed URIs: the new child must have been subscribed again.
    for (let i = 0; i < 50 && updates.length === 0; i++) {
      await client.callTool({ name: 'db__touch', arguments: { message: 'test://db/info' } });
      if (updates.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(updates[0]).toBe('test://db/info');
  });

  it('serves its own pagination over the merged list and rejects a foreign cursor', async () => {
    const gw = await gateway({ mcpServers: { a: relayServer('a'), b: relayServer('b') }, namespacing: { page_size: 4 } });
    const client = await gw.connect();
    const first = await client.listTools();
    expect(first.tools).toHaveLength(4);
    expect(first.nextCursor).toBeDefined();
    const names = [...first.tools.map((t) => t.name)];
    let cursor = first.nextCursor;
    while (cursor !== undefined) {
      const page = await client.listTools({ cursor });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    }
    expect(names).toHaveLength(24);
    expect(new Set(names).size).toBe(24);
    await expect(client.listTools({ cursor: 'MTIz' })).rejects.toMatchObject({ code: -32602, data: { code: 'REQUEST_INVALID', field: 'params.cursor' } });
  });

  it('namespacing none passes names through', async () => {
    const gw = await gateway({ mcpServers: { only: relayServer('only') }, namespacing: { strategy: 'none', description_prefix: false } });
    const client = await gw.connect();
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'slow', 'sample', 'add_tool', 'crash', 'stats', 'whoami', 'log', 'env', 'touch', 'ask', 'roots']);
    expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('only');
  });

  it('namespacing none refuses to start when two upstreams offer the same name', async () => {
    await expect(gateway({ mcpServers: { a: relayServer('a'), b: relayServer('b') }, namespacing: { strategy: 'none' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID', message: expect.stringMatching(/^namespacing.strategy "none": tool "echo" is offered by both "a" and "b"; use rename or hide$/),
    });
  });
});
