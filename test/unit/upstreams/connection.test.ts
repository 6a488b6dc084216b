import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { UpstreamListing } from '../../../src/catalog/types.ts';
import type { UpstreamSpec } from '../../../src/config/load.ts';
import { createLogger } from '../../../src/log.ts';
import { UpstreamConnection, type UpstreamEvents } from '../../../src/upstreams/connection.ts';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

const log = createLogger('silent');
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** The configured defaults (limits.upstream_defaults). */
const limits = { maxResultBytes: 16 * 1024 * 1024, breaker: { failures: 5, openMs: 30_000 } };

function stdioSpec(name: string, timeoutMs = 5000): UpstreamSpec {
  return { name, transport: 'stdio', command: process.execPath, args: relayServer(name).args, env: {}, cwd: undefined, timeoutMs, limits };
}

function connect(spec: UpstreamSpec, logger = log) {
  const listings: UpstreamListing[] = [];
  let onListing: (() => void) | undefined;
  const events: UpstreamEvents = {
    onListing: (_name, listing) => (listings.push(listing), onListing?.()),
    onNotification: () => undefined,
    onServerRequest: async () => ({}),
  };
  const connection = new UpstreamConnection(spec, {
    events, log: logger, clientInfo: { name: 'test', version: '0' }, connectTimeoutMs: 10_000, reconnect: { initialMs: 50, maxMs: 200 }, random: () => 0.5,
  });
  cleanup.push(() => connection.close());
  const nextListing = () => new Promise<void>((resolve) => (onListing = resolve));
  return { connection, listings, nextListing };
}

const call = (c: UpstreamConnection, name: string, args: object, signal = new AbortController().signal, timeoutMs?: number) =>
  c.request('tools/call', { name, arguments: args }, { signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) });

const transports: Array<[string, () => Promise<UpstreamSpec>]> = [
  ['stdio', async () => stdioSpec('up-stdio')],
  ['streamable http', async () => {
    const f = await startHttpFixture('http', 'up-http');
    cleanup.push(f.close);
    return { name: 'up-http', transport: 'http', url: f.url, headers: {}, timeoutMs: 5000, limits };
  }],
  ['legacy sse', async () => {
    const f = await startHttpFixture('sse', 'up-sse');
    cleanup.push(f.close);
    return { name: 'up-sse', transport: 'sse', url: f.url, headers: {}, timeoutMs: 5000, limits };
  }],
];

describe.each(transports)('upstream connection over %s', (_label, makeSpec) => {
  it('connects, fetches every page of the tool list, and relays results with unknown fields intact', async () => {
    const { connection, listings } = connect(await makeSpec());
    expect(await connection.start()).toBe(true);
    expect(connection.state).toBe('ready');
    expect(listings[0]!.tools.map((t) => t.name)).toEqual(['echo', 'slow', 'sample', 'add_tool', 'crash', 'stats', 'whoami', 'log', 'env', 'touch', 'ask', 'roots']);
    expect(listings[0]!.resources.map((r) => r.uri)).toContain('test://shared');
    const result = await call(connection, 'echo', { message: 'hi' });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi', annotations: { priority: 1 } }], extraField: { kept: true } });
  });

  it('answers UPSTREAM_TIMEOUT past the per-call timeout, and cancels upstream when the caller aborts', async () => {
    // The 150 ms deadline is this call's own: the upstream's (5 s) stays for the calls that follow,
    // so the stats polling below cannot itself time out on a loaded machine.
    const spec = await makeSpec();
    const { connection } = connect(spec);
    await connection.start();
    await expect(call(connection, 'slow', { steps: 5, delayMs: 100 }, undefined, 150)).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT', message: `Upstream "${spec.name}" did not answer within 150 ms`,
    });
    const abort = new AbortController();
    const pending = call(connection, 'slow', { steps: 1, delayMs: 5000 }, abort.signal);
    // Cancelled in this very tick, after the request went out (issue 13, hole 9). It was a 30 ms
    // timer racing this call's own 150 ms deadline: Node reads the clock afresh for each timer, so
    // when the process stalled >120 ms between the two setTimeouts (a loaded machine, sending the
    // request), the deadline came first and the call was a timeout. Cancelled this early, the
    // request and its cancellation reach the fixture in one chunk, which its sleep now handles.
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'UPSTREAM_CANCELLED' });
    // Both the timed-out and the cancelled call reach the upstream as notifications/cancelled.
    let cancelled = 0;
    for (let i = 0; i < 50 && cancelled < 2; i++) {
      const stats = await call(connection, 'stats', {});
      cancelled = JSON.parse((stats.content as Array<{ text: string }>)[0]!.text).cancelled;
      if (cancelled < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect(cancelled).toBe(2);
  });

});

describe.each([['SSE', false], ['JSON', true]])('upstream connection over streamable http, answers as %s', (_label, jsonResponse) => {
  it('closes the request of a timed-out or cancelled call: the upstream never answers it, and its socket stayed open for good (soak: +1 fd per timeout)', async () => {
    const f = await startHttpFixture('http', 'up-abandoned', 0, { jsonResponse });
    cleanup.push(f.close);
    const { connection } = connect({ name: 'up-abandoned', transport: 'http', url: f.url, headers: {}, timeoutMs: 5000, limits });
    await connection.start();
    await call(connection, 'echo', { message: 'warm' });
    const baseline = f.openRequests();
    for (let i = 0; i < 3; i++) {
      await expect(call(connection, 'slow', { steps: 1, delayMs: 60_000 }, undefined, 100)).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    }
    const abort = new AbortController();
    const pending = call(connection, 'slow', { steps: 1, delayMs: 60_000 }, abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'UPSTREAM_CANCELLED' });
    // Before: the upstream held each abandoned request's response open, waiting to send nothing.
    await expect.poll(() => f.openRequests(), { timeout: 5_000 }).toBe(baseline);
    // The connection still serves calls, and nothing was sent twice (a destroyed request is not retried).
    expect(await call(connection, 'echo', { message: 'after' })).toMatchObject({ content: [{ text: 'after' }] });
    const stats = JSON.parse(((await call(connection, 'stats', {})).content as Array<{ text: string }>)[0]!.text) as { cancelled: number };
    expect(stats.cancelled).toBe(4);
  });
});

describe('upstream connection - stdio child', () => {
  it('passes only the safe env allow-list plus the entry env, and logs stderr lines under the upstream name', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    process.env.WARDEN_TEST_GATEWAY_SECRET = 'must-not-leak';
    try {
      const spec = { ...stdioSpec('envy'), env: { GIVEN: 'from-entry' } };
      const { connection } = connect(spec, pino({ level: 'info' }, sink));
      await connection.start();
      const env = async (name: string) => ((await call(connection, 'env', { message: name })).content as Array<{ text: string }>)[0]!.text;
      expect(await env('GIVEN')).toBe('from-entry');
      expect(await env('WARDEN_TEST_GATEWAY_SECRET')).toBe('(unset)');
      expect(await env('PATH')).toBe(process.env.PATH);
      expect(lines).toContainEqual(expect.objectContaining({ upstream: 'envy', stream: 'stderr', msg: 'fixture envy ready' }));
    } finally {
      delete process.env.WARDEN_TEST_GATEWAY_SECRET;
    }
  });
});

describe('upstream connection - failures', () => {
  it('starts degraded when the upstream is down, answers UPSTREAM_UNAVAILABLE, and connects when it comes up', async () => {
    const probe = await startHttpFixture('http', 'late');
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const { connection, listings, nextListing } = connect({ name: 'late', transport: 'http', url: probe.url, headers: {}, timeoutMs: 5000, limits });
    expect(await connection.start()).toBe(false);
    expect(connection.state).toBe('waiting');
    await expect(call(connection, 'echo', { message: 'x' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'Upstream "late" is not connected' });
    const appeared = nextListing();
    let fixture: HttpFixture | undefined;
    fixture = await startHttpFixture('http', 'late', port);
    cleanup.push(() => fixture!.close());
    await appeared;
    expect(connection.state).toBe('ready');
    expect(listings).toHaveLength(1);
  });

  it('restarts a crashed stdio child', async () => {
    const { connection, listings, nextListing } = connect(stdioSpec('crashy'));
    await connection.start();
    const restarted = nextListing();
    await call(connection, 'crash', {}).catch(() => undefined);
    await restarted;
    expect(listings).toHaveLength(2);
    expect(await call(connection, 'whoami', {})).toMatchObject({ content: [{ text: 'crashy' }] });
  });

  it('refreshes the listing on list_changed', async () => {
    const { connection, listings, nextListing } = connect(stdioSpec('growing'));
    await connection.start();
    const refreshed = nextListing();
    await call(connection, 'add_tool', { message: 'brand_new' });
    await refreshed;
    expect(listings[1]!.tools.map((t) => t.name)).toContain('brand_new');
  });

  it('retries a list refresh the upstream failed (lists are idempotent), and gives up after three tries keeping the last listing', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    const { connection, listings, nextListing } = connect(stdioSpec('flaky-lists'), pino({ level: 'warn' }, sink));
    await connection.start();
    const failedLists = async () => (JSON.parse(((await call(connection, 'stats', {})).content as Array<{ text: string }>)[0]!.text) as { failedLists: number }).failedLists;

    // The first refresh after list_changed fails; the retry brings the new tool.
    const refreshed = nextListing();
    await call(connection, 'add_tool', { message: 'after_retry', fail_lists: 1 });
    await refreshed;
    expect(listings.at(-1)!.tools.map((t) => t.name)).toContain('after_retry');
    expect(await failedLists()).toBe(1);
    expect(lines.filter((l) => l.msg === 'refreshing the upstream listing failed; retrying')).toMatchObject([{ upstream: 'flaky-lists', attempt: 1 }]);

    // Every try fails: three in all, no new listing, the connection stays up.
    await call(connection, 'add_tool', { message: 'never_listed', fail_lists: 3 });
    await expect.poll(() => lines.some((l) => l.msg === 'refreshing the upstream listing failed')).toBe(true);
    expect(await failedLists()).toBe(4);
    expect(listings.at(-1)!.tools.map((t) => t.name)).not.toContain('never_listed');
    expect(connection.state).toBe('ready');
  });
});
