import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.ts';
import type { BreakerState } from '../../../src/upstreams/circuit-breaker.ts';
import { UpstreamConnection } from '../../../src/upstreams/connection.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/** The breaker of a real stdio upstream, on a clock the test moves (no sleeping on open_ms). */
let now = 0;
const states: BreakerState[] = [];
const connection = new UpstreamConnection(
  {
    name: 'flaky', transport: 'stdio', command: process.execPath, args: relayServer('flaky').args, env: {}, cwd: undefined, timeoutMs: 1500,
    limits: { maxResultBytes: 1024 * 1024, breaker: { failures: 2, openMs: 1000 } },
  },
  {
    events: { onListing: () => undefined, onNotification: () => undefined, onServerRequest: async () => ({}), onBreaker: (_name, state) => void states.push(state) },
    log: createLogger('silent'), clientInfo: { name: 'test', version: '0' }, connectTimeoutMs: 10_000, reconnect: { initialMs: 50, maxMs: 200 }, now: () => now,
  },
);
afterAll(() => connection.close());

const call = (name: string, args: object = {}) => connection.request('tools/call', { name, arguments: args }, { signal: new AbortController().signal });
const hang = () => call('slow', { steps: 1, delayMs: 5000 });
const stats = async () => JSON.parse(((await call('stats')).content as Array<{ text: string }>)[0]!.text) as { calls: number };

describe('circuit breaker', () => {
  it('opens after N consecutive timeouts, fails fast with the reason, probes once half open, and closes on success', async () => {
    expect(await connection.start()).toBe(true);
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(connection.breaker).toBe('closed');
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(connection.breaker).toBe('open');

    now += 400;
    const refused = call('echo', { message: 'x' });
    await expect(refused).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { upstream: 'flaky', retryAfterMs: 600 } });
    await expect(refused).rejects.toThrow(/circuit open after 2 consecutive failures \(last: Upstream "flaky" did not answer within 1500 ms\)/);

    now += 600;
    const probe = call('echo', { message: 'probe' });
    expect(connection.breaker).toBe('half_open');
    // One probe at a time: a second call while it is in flight still fails fast.
    await expect(call('echo', { message: 'second' })).rejects.toThrow(/a probe call is in flight/);
    await expect(probe).resolves.toBeDefined();
    expect(connection.breaker).toBe('closed');
    // The upstream saw the two timeouts and the probe; the refused calls never reached it.
    expect((await stats()).calls).toBe(3);
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed probe opens the circuit for another open_ms; any answer, a tool error too, ends a run of failures', async () => {
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    // The upstream answered (a tool error): the run of failures starts again.
    await call('nope');
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(connection.breaker).toBe('closed');
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(connection.breaker).toBe('open');
    now += 1000;
    await expect(hang()).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(connection.breaker).toBe('open');
    await expect(call('echo', { message: 'x' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { retryAfterMs: 1000 } });
  });
});
