import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionEvent } from '../../../src/audit/sink.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';

/**
 * limits.rate through the whole gateway: a real stdio upstream, the Streamable HTTP edge, the
 * pipeline's limit stage. Refill rates are one call per ~17 minutes, so nothing refills while a
 * test runs, however slow the machine.
 */
const SLOW = 0.001;
const audit = new MemoryAuditSink();
const limited: string[] = [];
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      mcpServers: { db: relayServer('db'), web: relayServer('web') },
      limits: {
        rate: [
          { name: 'echo-per-caller', match: { tool: 'db__ec*o' }, rate: SLOW, burst: 2 },
          { name: 'web-shared', match: { upstream: 'web' }, rate: SLOW, burst: 3, per: 'rule' },
          { name: 'carol-everything', match: { principal: 'carol' }, rate: SLOW, burst: 1 },
        ],
      },
    },
    audit,
    limitEvents: { rateLimited: (rule) => void limited.push(rule) },
  });
});
afterAll(() => gw?.close());

const echo = (message: string) => ({ name: 'db__echo', arguments: { message } });
const decisionsFor = (sub: string) =>
  audit.events.filter((e): e is { type: 'decision'; event: DecisionEvent } => e.type === 'decision' && e.event.principal?.sub === sub).map((e) => e.event);

async function upstreamCalls(client: Awaited<ReturnType<TestGateway['connect']>>, upstream: string): Promise<number> {
  const result = await client.callTool({ name: `${upstream}__stats`, arguments: {} });
  return JSON.parse((result.content as Array<{ text: string }>)[0]!.text).calls as number;
}

describe('limits - rate rules', () => {
  it('refuses a call beyond the burst with RATE_LIMITED, the rule and the retry delay, forwards nothing and records a deny row', async () => {
    const alice = await gw.connect({ token: 'token-alice' });
    const before = await upstreamCalls(alice, 'db');
    await alice.callTool(echo('1'));
    await alice.callTool(echo('2'));
    const refused = alice.callTool(echo('3'));
    await expect(refused).rejects.toMatchObject({ code: -32029, data: { code: 'RATE_LIMITED', rule: 'echo-per-caller' } });
    const data = (await refused.catch((error: { data: { retryAfterMs: number } }) => error.data))!;
    // One token at 0.001/s is 1000 s away: the delay is the real one, not a constant.
    expect(data.retryAfterMs).toBeGreaterThan(990_000);
    expect(data.retryAfterMs).toBeLessThanOrEqual(1_000_000);
    expect(await upstreamCalls(alice, 'db')).toBe(before + 2);
    const row = decisionsFor('alice').findLast((e) => e.publicName === 'db__echo')!;
    expect(row).toMatchObject({ decision: 'deny', code: 'RATE_LIMITED', publicName: 'db__echo', upstream: 'db' });
    expect(row.reasons[0]).toContain('echo-per-caller');
    expect(limited).toContain('echo-per-caller');
  });

  it('keeps one bucket per caller: another caller still has its burst, and other tools are not counted', async () => {
    const bob = await gw.connect({ token: 'token-bob' });
    await bob.callTool(echo('1'));
    await bob.callTool(echo('2'));
    await expect(bob.callTool(echo('3'))).rejects.toMatchObject({ data: { code: 'RATE_LIMITED' } });
    await expect(bob.callTool({ name: 'db__whoami', arguments: {} })).resolves.toBeDefined();
  });

  it('per: rule shares one bucket among every caller of the upstream', async () => {
    const dave = await gw.connect({ token: 'token-dave' });
    const erin = await gw.connect({ token: 'token-erin' });
    await dave.callTool({ name: 'web__whoami', arguments: {} });
    await erin.callTool({ name: 'web__whoami', arguments: {} });
    await dave.callTool({ name: 'web__whoami', arguments: {} });
    await expect(erin.callTool({ name: 'web__whoami', arguments: {} })).rejects.toMatchObject({ data: { code: 'RATE_LIMITED', rule: 'web-shared' } });
  });

  it('a refused call drains no other rule: carol refused by her own rule keeps the echo tokens', async () => {
    const carol = await gw.connect({ token: 'token-carol' });
    await carol.callTool({ name: 'db__whoami', arguments: {} });
    await expect(carol.callTool(echo('x'))).rejects.toMatchObject({ data: { code: 'RATE_LIMITED', rule: 'carol-everything' } });
    expect(decisionsFor('carol').filter((e) => e.code === 'RATE_LIMITED')).toHaveLength(1);
  });

  it('keys buckets by identity in a Map: callers named after Object.prototype members are callers like any other', async () => {
    for (const sub of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const client = await gw.connect({ token: `token-${sub}` });
      await client.callTool(echo('1'));
      await client.callTool(echo('2'));
      await expect(client.callTool(echo('3'))).rejects.toMatchObject({ data: { code: 'RATE_LIMITED', rule: 'echo-per-caller' } });
    }
  });

  it('a denied call spends no tokens and names no limit (the policy answers first)', async () => {
    const unknown = await gw.connect({ token: 'token-frank' });
    await expect(unknown.callTool({ name: 'db__nope', arguments: {} })).rejects.toMatchObject({ data: { code: 'TOOL_NOT_FOUND' } });
    await unknown.callTool(echo('1'));
    await unknown.callTool(echo('2'));
  });
});
