import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readiness } from '../../../src/downstream/readiness.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';

/** An open circuit as the caller, the audit trail, /readyz and the metrics see it. */
const audit = new MemoryAuditSink();
const events: string[] = [];
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      mcpServers: { db: relayServer('db'), web: relayServer('web') },
      upstream_defaults: { timeout_ms: 1000 },
      limits: { upstreams: { db: { breaker: { failures: 1, open_ms: 600_000 } } } },
    },
    audit,
    limitEvents: { breaker: (upstream, state) => void events.push(`${upstream}:${state}`) },
  });
});
afterAll(() => gw?.close());

describe('limits - circuit breaker through the gateway', () => {
  it('fails calls fast with UPSTREAM_UNAVAILABLE, the reason and the retry delay once open; /readyz counts the open circuit', async () => {
    const client = await gw.connect();
    await expect(client.callTool({ name: 'db__slow', arguments: { steps: 1, delayMs: 5000 } })).rejects.toMatchObject({ data: { code: 'UPSTREAM_TIMEOUT' } });
    const refused = client.callTool({ name: 'db__echo', arguments: { message: 'x' } });
    await expect(refused).rejects.toMatchObject({ code: -32000, data: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'db', reason: expect.stringMatching(/^circuit open after 1 consecutive failures/) } });
    const data = await refused.catch((error: { data: { retryAfterMs: number } }) => error.data);
    expect(data!.retryAfterMs).toBeGreaterThan(500_000);
    // The call was allowed and recorded, and its outcome says why it failed.
    const outcome = audit.events.findLast((e) => e.type === 'outcome');
    expect(outcome?.event).toMatchObject({ outcome: 'upstream_error', errorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(readiness(gw.gateway, { audit: () => ({ ok: true }), policyRevision: () => 'r1' }, false)).toEqual({ ready: true, audit: 'ok', draining: false, upstreams: { connected: 2, total: 2, circuits: { open: 1, half_open: 0 } }, policy_revision: 'r1' });
    expect(events).toEqual(['db:open']);
    // The other upstream is not affected.
    await expect(client.callTool({ name: 'web__echo', arguments: { message: 'x' } })).resolves.toBeDefined();
  });
});
