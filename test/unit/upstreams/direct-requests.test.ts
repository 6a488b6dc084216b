import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamSpec } from '../../../src/config/load.ts';
import { createLogger } from '../../../src/log.ts';
import { UpstreamConnection } from '../../../src/upstreams/connection.ts';
import { type FixtureHandle, fixtureCommand, startFixture } from '../../../testkit/fixtures/spawn.ts';

/**
 * A new-era caller's requests to a new-era upstream leave without the SDK Client's request
 * machinery (direct-requests.ts). Against the real new-era fixture, over stdio and Streamable
 * HTTP: the same results as through the Client, input_required handed back as it came, and the
 * caller's deadline, cancellation and a closing connection ending a call as they did before.
 * Over stdio a recorder in front of the fixture shows what went on the wire.
 */
const log = createLogger('silent');
const limits = { maxResultBytes: 16 * 1024 * 1024, breaker: { failures: 5, openMs: 30_000 } };
const direct = { returnInputRequired: true };
/** The upstream's own deadline; the tests that time out set a shorter one per call, as a composite step does. */
const TIMEOUT_MS = 10_000;
const signal = () => new AbortController().signal;
const RECORDER = fileURLToPath(new URL('../../../testkit/fixtures/stdio-recorder.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-direct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type WireMessage = { id?: unknown; method?: string; params?: { _meta?: Record<string, unknown>; requestId?: unknown } };
const wireOf = (path: string): WireMessage[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as WireMessage);

/** Every connection the tests opened, closed at the end. */
const open: UpstreamConnection[] = [];
afterAll(async () => {
  for (const connection of open) await connection.close();
});

/** A fresh connection, in the era it is expected to speak. */
async function connect(spec: UpstreamSpec, era: 'modern' | 'legacy'): Promise<UpstreamConnection> {
  const connection = new UpstreamConnection(spec, {
    events: { onListing: () => undefined, onNotification: () => undefined, onServerRequest: async () => ({}) },
    log, clientInfo: { name: 'test', version: '0' }, connectTimeoutMs: 15_000, reconnect: { initialMs: 50, maxMs: 200 }, random: () => 0.5,
  });
  open.push(connection);
  await connection.start();
  expect(connection.era).toBe(era);
  return connection;
}

/** A stdio fixture behind the recorder, which appends every line the fixture receives to `wire`. */
function recorded(name: string, fixture: 'modern-only' | 'kitchen-sink', wire: string): UpstreamSpec {
  const { command, args } = fixtureCommand(fixture, 'stdio');
  return { name, transport: 'stdio', command: process.execPath, args: [RECORDER, wire, command, ...args], env: {}, cwd: undefined, timeoutMs: TIMEOUT_MS, limits };
}

describe.each(['stdio', 'http'] as const)('new-era requests sent directly, over %s', (transport) => {
  let fixture: FixtureHandle | undefined;

  beforeAll(async () => {
    if (transport === 'http') fixture = await startFixture('modern-only', 'http');
  }, 60_000);
  afterAll(async () => {
    await fixture?.close();
  });

  let connections = 0;
  /** A fresh connection; over stdio, `wire` is where the recorder writes what the fixture received. */
  async function connected(): Promise<{ connection: UpstreamConnection; wire: string }> {
    const wire = join(dir, `${transport}-${++connections}.jsonl`);
    const spec: UpstreamSpec = transport === 'http' ? { name: 'm', transport: 'http', url: fixture!.url!, headers: {}, timeoutMs: TIMEOUT_MS, limits } : recorded('m', 'modern-only', wire);
    return { connection: await connect(spec, 'modern'), wire };
  }

  it('answers as the SDK Client does, and hands input_required back whole', async () => {
    const { connection, wire } = await connected();
    const params = { name: 'add', arguments: { a: 2, b: 40 } };
    const viaClient = await connection.request('tools/call', params, { signal: signal() });
    const sent = await connection.request('tools/call', params, { signal: signal(), ...direct });
    expect(sent).toEqual(viaClient);
    if (transport === 'stdio') {
      // The same envelope either way; only the id tells them apart (the SDK's are numbers).
      const [first, second] = wireOf(wire).filter((message) => message.method === 'tools/call');
      expect(typeof first?.id).toBe('number');
      expect(second?.id).toMatch(/^warden:\d+$/);
      expect(second?.params).toEqual(first?.params);
    }
    expect(sent).toMatchObject({ content: [{ type: 'text', text: '42' }] });
    const asked = await connection.request('tools/call', { name: 'confirm', arguments: { action: 'deploy' } }, { signal: signal(), ...direct });
    expect(asked).toMatchObject({ resultType: 'input_required', requestState: 'modern-only-state:deploy', inputRequests: { confirm: { method: 'elicitation/create' } } });
  }, 60_000);

  it("relays the upstream's own JSON-RPC error", async () => {
    const { connection } = await connected();
    const failure = await connection.request('prompts/get', { name: 'none' }, { signal: signal(), ...direct }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UPSTREAM_ERROR', details: { upstream: 'm', jsonrpc: { code: -32601 } } });
  }, 60_000);

  it('times out at our deadline and cancels upstream; the connection goes on', async () => {
    const { connection, wire } = await connected();
    const started = Date.now();
    const failure = await connection.request('tools/call', { name: 'wait', arguments: { ms: 20_000 } }, { signal: signal(), timeoutMs: 300, ...direct }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: { timeoutMs: 300 } });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await connection.request('tools/call', { name: 'echo', arguments: { message: 'still here' } }, { signal: signal(), ...direct })).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });
    if (transport === 'stdio') {
      const messages = wireOf(wire);
      const waited = messages.find((message) => message.method === 'tools/call')?.id;
      expect(messages.find((message) => message.method === 'notifications/cancelled')?.params?.requestId).toBe(waited);
    }
  }, 60_000);

  it('ends a call its caller cancelled, before and while it is sent', async () => {
    const { connection } = await connected();
    const before = new AbortController();
    before.abort(new Error('gone'));
    await expect(connection.request('tools/call', { name: 'echo', arguments: { message: 'x' } }, { signal: before.signal, ...direct })).rejects.toMatchObject({ code: 'UPSTREAM_CANCELLED' });
    const during = new AbortController();
    const call = connection.request('tools/call', { name: 'wait', arguments: { ms: 20_000 } }, { signal: during.signal, ...direct });
    setTimeout(() => during.abort(new Error('caller left')), 200);
    await expect(call).rejects.toMatchObject({ code: 'UPSTREAM_CANCELLED' });
  }, 60_000);

  it('fails a waiting call when the connection closes', async () => {
    const { connection } = await connected();
    const call = connection.request('tools/call', { name: 'wait', arguments: { ms: 20_000 } }, { signal: signal(), ...direct }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await connection.close();
    expect(await call).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  }, 60_000);
});

describe('old-era requests sent directly (the kitchen sink over stdio)', () => {
  it('calls with ids of our own, keeps progress up to the result, and cancels at the deadline', async () => {
    const wire = join(dir, 'legacy.jsonl');
    const connection = await connect(recorded('k', 'kitchen-sink', wire), 'legacy');
    const progress: unknown[] = [];
    const slow = await connection.request('tools/call', { name: 'slow', arguments: { steps: 2, delayMs: 10 } }, { signal: signal(), onprogress: (p) => progress.push(p.progress) });
    expect(slow).toMatchObject({ content: [{ type: 'text' }] });
    expect(progress).toEqual([1, 2]);
    const failure = await connection.request('tools/call', { name: 'slow', arguments: { steps: 100, delayMs: 200 } }, { signal: signal(), timeoutMs: 400 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    // The cancellation leaves after the timeout's rejection: once a later call is answered, the
    // recorder (which passes lines on in order) has written it.
    expect(await connection.request('tools/call', { name: 'echo', arguments: { message: 'after' } }, { signal: signal() })).toMatchObject({ content: [{ type: 'text', text: 'after' }] });
    const calls = wireOf(wire).filter((message) => message.method === 'tools/call');
    expect(calls.map((message) => message.id)).toEqual([expect.stringMatching(/^warden:\d+$/), expect.stringMatching(/^warden:\d+$/), expect.stringMatching(/^warden:\d+$/)]);
    expect(calls[0]?.params?._meta).toEqual({ progressToken: expect.any(String) });
    expect(wireOf(wire).find((message) => message.method === 'notifications/cancelled')?.params?.requestId).toBe(calls[1]?.id);
  }, 60_000);
});
