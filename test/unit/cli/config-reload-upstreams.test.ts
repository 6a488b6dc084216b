import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reloadConfig } from '../../../src/cli/config-reload.ts';
import { buildServices, type Services } from '../../../src/cli/serve.ts';
import { loadConfig, type ResolvedConfig } from '../../../src/config/load.ts';
import { Gateway } from '../../../src/gateway/gateway.ts';
import { serveHttp, type HttpEdge } from '../../../src/downstream/http.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

/**
 * A config reload of upstreams, namespacing and composites on the gateway `warden serve` builds
 * (real SQLite audit, Rego engine), with real fixture upstreams over stdio and Streamable HTTP and
 * a real client over HTTP. Unchanged upstreams keep their connection; added and changed ones are
 * connected before the swap; a removed one answers its call in flight, then closes; the client
 * gets list_changed and sees the new list; an edit that cannot be built keeps the running config.
 */
const { dir, cleanup } = tempDir('config-reload-upstreams');
const file = join(dir, 'warden.config.json');
const fixtures: HttpFixture[] = [];
let h1: HttpFixture, h2: HttpFixture, hb: HttpFixture;
let services: Services;
let gateway: Gateway;
let edge: HttpEdge;
let client: Client;
let running: ResolvedConfig;
let toolListChanges = 0;
/** The elicitation the `gone` upstream's `ask` call waits on: answered when the test says so. */
let asked: () => void;
const wasAsked = new Promise<void>((resolve) => (asked = resolve));
let answer!: () => void;
const answered = new Promise<void>((resolve) => (answer = resolve));

const base = (mcpServers: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  mcpServers, auth: { mode: 'disabled' }, policy: { paths: ['allow.rego'], watch: false }, audit: { path: 'audit.db' }, server: { watch_config: false }, ...rest,
});
const reload = async (config: Record<string, unknown>) => {
  writeFileSync(file, JSON.stringify(config));
  running = await reloadConfig(running, { ...services, gateway, log: silentLogger });
};
const lastReload = () =>
  JSON.parse((new Database(join(dir, 'audit.db'), { readonly: true }).prepare("SELECT data FROM events WHERE kind = 'config_reload' ORDER BY seq DESC").get() as { data: string }).data) as Record<string, unknown>;
const toolNames = async () => (await client.listTools()).tools.map((t) => t.name);
const text = async (name: string, args: Record<string, unknown> = {}) => ((await client.callTool({ name, arguments: args })).content as Array<{ text: string }>)[0]!.text;

beforeAll(async () => {
  [h1, h2, hb] = await Promise.all([startHttpFixture('http', 'h1'), startHttpFixture('http', 'h2'), startHttpFixture('http', 'b')]);
  fixtures.push(h1, h2, hb);
  writeFileSync(join(dir, 'allow.rego'), 'package mcp.authz\n\nallow := true\n');
  writeFileSync(file, JSON.stringify(base({ a: relayServer('a'), s: relayServer('s1'), h: { type: 'http', url: h1.url }, gone: relayServer('gone') })));
  running = loadConfig(file, {});
  services = await buildServices(running, silentLogger);
  gateway = new Gateway(running, { ...services, log: silentLogger, version: 'test' });
  await gateway.start();
  edge = await serveHttp(gateway, { host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: running.server.max_body_bytes, sessionIdleMs: running.server.session_idle_ms });
  client = new Client({ name: 'reload-test', version: '1' }, { capabilities: { elicitation: {} } });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolListChanges++);
  client.setRequestHandler(ElicitRequestSchema, async () => {
    asked();
    await answered;
    return { action: 'accept', content: { name: 'still answered' } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(edge.url)));
});
afterAll(async () => {
  answer?.();
  await client?.close();
  await edge?.close();
  await gateway?.close();
  await services?.close();
  await Promise.all(fixtures.map((f) => f.close()));
  cleanup();
});

describe('config reload - upstreams, namespacing and composites', () => {
  it('[fail-closed:reload-keeps-last-good] a file that does not validate changes nothing and names the field', async () => {
    const before = await toolNames();
    await reload(base({ a: relayServer('a'), s: relayServer('s1'), h: { type: 'http', url: h1.url } }, { namespacing: { separator: 'a b' } }));
    expect(lastReload()).toMatchObject({ ok: false, error: expect.stringContaining('warden.config.json: namespacing.separator') });
    expect(gateway.upstreams.get('gone')?.state).toBe('ready');
    expect(await toolNames()).toEqual(before);
  });

  it('[visibility:name-keeps-its-tool] adds, removes and reconnects only what changed, renames, adds a composite, and tells the client', async () => {
    const kept = gateway.upstreams.get('a')!;
    const gone = gateway.upstreams.get('gone')!;
    const replaced = [gateway.upstreams.get('s')!, gateway.upstreams.get('h')!];
    expect(await text('s__whoami')).toBe('s1');
    expect(await text('h__whoami')).toBe('h1');
    const inFlight = client.callTool({ name: 'gone__ask', arguments: { message: 'name?' } });
    await wasAsked;

    await reload(
      base(
        { a: relayServer('a'), s: relayServer('s2'), h: { type: 'http', url: h2.url }, b: { type: 'http', url: hb.url } },
        {
          // A new separator renames every tool; `b` asks for a name `a`'s tool was given: it gets another.
          namespacing: { separator: '_', upstreams: { b: { rename: { whoami: 'a__whoami' } } } },
          composites: [{ name: 'both', steps: [{ id: 'one', tool: 'a_whoami' }, { id: 'two', tool: 'b_echo', arguments: { message: 'from b' } }] }],
        },
      ),
    );
    expect(lastReload()).toMatchObject({ ok: true, changed: ['upstreams', 'namespacing', 'composites'], restart_needed: [] });
    expect(gateway.upstreams.get('a')).toBe(kept);
    expect(gateway.upstreams.get('gone')).toBeUndefined();
    // The removed upstream still holds its call: its connection stays open until the answer.
    expect(gone.state).toBe('ready');

    await expect.poll(() => toolListChanges).toBeGreaterThan(0);
    const names = await toolNames();
    expect(names).toEqual(expect.arrayContaining(['both', 'a_whoami', 's_whoami', 'h_whoami', 'b_echo']));
    expect(names.filter((n) => n.startsWith('gone') || n.includes('__'))).toEqual([expect.stringMatching(/^a__whoami-[0-9a-f]{8}$/)]);
    expect(await text('s_whoami')).toBe('s2');
    expect(await text('h_whoami')).toBe('h2');
    expect(await text(names.find((n) => n.startsWith('a__whoami-'))!)).toBe('b');
    // A name given before the reload never points at another tool: `a__whoami` is gone, not `b`'s.
    await expect(client.callTool({ name: 'a__whoami', arguments: {} })).rejects.toMatchObject({ data: { code: 'TOOL_NOT_FOUND' } });
    expect(await text('both')).toBe('from b');

    answer();
    expect(((await inFlight).content as Array<{ text: string }>)[0]!.text).toContain('still answered');
    await expect.poll(() => [gone.state, ...replaced.map((c) => c.state)]).toEqual(['closed', 'closed', 'closed']);
  });

  it('[visibility:name-keeps-its-tool] refuses a composite named like a tool a name was already given to, and keeps the running connections', async () => {
    const h = gateway.upstreams.get('h')!;
    const names = await toolNames();
    await reload(
      base(
        { a: relayServer('a'), s: relayServer('s2'), h: { type: 'http', url: h1.url }, b: { type: 'http', url: hb.url } },
        { namespacing: { separator: '_' }, composites: [{ name: 's_echo', steps: [{ id: 'one', tool: 'a_echo' }] }] },
      ),
    );
    expect(lastReload()).toMatchObject({ ok: false, error: expect.stringContaining('"s_echo" is already the public name of tool "echo" of upstream "s"') });
    expect(gateway.upstreams.get('h')).toBe(h);
    expect(await toolNames()).toEqual(names);
    expect(await text('h_whoami')).toBe('h2');
  });
});
