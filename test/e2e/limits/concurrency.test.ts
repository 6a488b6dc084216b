import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';

/**
 * Concurrency caps through the whole gateway: `db` takes one call at a time, each caller may have
 * one call in flight, and nobody waits (queue 0), so every refusal is immediate and the tests
 * need no timing. The wait queue's order and deadline are tested on the pool itself.
 */
const audit = new MemoryAuditSink();
const refused: string[] = [];
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      mcpServers: { db: relayServer('db'), web: relayServer('web') },
      limits: { concurrency: { per_principal: 1, queue: 0 }, upstreams: { db: { max_concurrent: 1 } } },
    },
    audit,
    limitEvents: { concurrencyLimited: (scope, why) => void refused.push(`${scope}:${why}`) },
  });
});
afterAll(() => gw?.close());

/** Resolves once the call's decision row is committed: it then holds its slots. */
async function inFlight(sub: string, publicName: string): Promise<void> {
  const seen = () => audit.events.some((e) => e.type === 'decision' && e.event.decision === 'allow' && e.event.principal?.sub === sub && e.event.publicName === publicName);
  while (!seen()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('limits - concurrency caps', () => {
  it('refuses calls beyond the upstream cap and the caller cap with CONCURRENCY_LIMITED and a deny row, and frees the slots when the call ends', async () => {
    const alice = await gw.connect({ token: 'token-alice' });
    const bob = await gw.connect({ token: 'token-bob' });
    const slow = alice.callTool({ name: 'db__slow', arguments: { steps: 1, delayMs: 1500 } });
    await inFlight('alice', 'db__slow');

    await expect(bob.callTool({ name: 'db__echo', arguments: { message: 'x' } })).rejects.toMatchObject({
      code: -32029, data: { code: 'CONCURRENCY_LIMITED', limit: 'max_concurrent', reason: 'queue_full' },
    });
    await expect(alice.callTool({ name: 'web__echo', arguments: { message: 'x' } })).rejects.toMatchObject({
      data: { code: 'CONCURRENCY_LIMITED', limit: 'concurrency.per_principal' },
    });
    // Another caller on another upstream is not held up.
    await expect(bob.callTool({ name: 'web__echo', arguments: { message: 'x' } })).resolves.toBeDefined();
    const rows = audit.events.filter((e) => e.type === 'decision' && e.event.code === 'CONCURRENCY_LIMITED').map((e) => e.type === 'decision' && [e.event.principal?.sub, e.event.publicName]);
    expect(rows).toEqual([['bob', 'db__echo'], ['alice', 'web__echo']]);
    expect(refused).toEqual(['upstream:queue_full', 'principal:queue_full']);

    await slow;
    await expect(bob.callTool({ name: 'db__echo', arguments: { message: 'after' } })).resolves.toBeDefined();
    await expect(alice.callTool({ name: 'web__echo', arguments: { message: 'after' } })).resolves.toBeDefined();
  });

  it('frees the slots of a call that failed upstream', async () => {
    const alice = await gw.connect({ token: 'token-alice' });
    await expect(alice.callTool({ name: 'db__nope_not_there', arguments: {} })).rejects.toMatchObject({ data: { code: 'TOOL_NOT_FOUND' } });
    const failed = await alice.callTool({ name: 'db__echo', arguments: { message: 'x', fail: true } });
    expect(failed.isError).toBe(true);
    await expect(alice.callTool({ name: 'db__echo', arguments: { message: 'again' } })).resolves.toBeDefined();
  });
});
