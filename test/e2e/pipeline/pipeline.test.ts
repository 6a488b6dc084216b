import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeEvent } from '../../../src/audit/sink.ts';
import { STAGES } from '../../../src/pipeline/pipeline.ts';
import type { PolicyInput } from '../../../src/policy/contract.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { MemoryAuditSink, TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/** Per-item list authorization and the outcome rows, against a real stdio upstream. */
class FlakyOutcomeSink extends MemoryAuditSink {
  failOutcomes = false;
  override async recordOutcome(event: OutcomeEvent): Promise<void> {
    if (this.failOutcomes) throw new Error('disk full');
    return super.recordOutcome(event);
  }
}

// bob sees only read-only tools, no prompts, and only the resource named info.
function rule(input: PolicyInput): boolean {
  if (input.principal?.sub !== 'bob') return true;
  if (input.tool) return input.tool.annotations?.readOnlyHint === true;
  if (input.prompt) return false;
  if (input.resource) return input.resource.uri.endsWith('/info');
  return true;
}

let gw: TestGateway;
const audit = new FlakyOutcomeSink();
beforeAll(async () => {
  gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') }, upstream_defaults: { timeout_ms: 300 } }, policy: new TestPolicyEngine(rule), audit });
});
afterAll(() => gw?.close());

const outcomeAfter = (start: number) => audit.events.slice(start).find((e) => e.type === 'outcome')?.event as OutcomeEvent | undefined;

describe('pipeline', () => {
  it('declares its stages once, in order', () => {
    expect(STAGES).toEqual(['authenticate', 'resolve', 'authorize', 'approve', 'limit', 'audit-decision', 'forward', 'audit-outcome']);
  });

  it('list - authorize runs per item and drops what the caller may not see', async () => {
    const alice = await gw.connect({ token: 'token-alice' });
    const bob = await gw.connect({ token: 'token-bob' });
    expect((await alice.listTools()).tools).toHaveLength(12);
    expect((await bob.listTools()).tools.map((t) => t.name)).toEqual(['db__echo']);
    expect((await bob.listPrompts()).prompts).toEqual([]);
    expect((await bob.listResources()).resources.map((r) => r.uri)).toEqual(['test://db/info']);
    await expect(bob.readResource({ uri: 'test://shared' })).rejects.toMatchObject({ code: -32002, data: { code: 'RESOURCE_NOT_FOUND', uri: 'test://shared' } });
    await expect(bob.getPrompt({ name: 'db__greet', arguments: { who: 'x' } })).rejects.toMatchObject({ code: -32602, data: { code: 'PROMPT_NOT_FOUND' } });
  });

  it('audit-outcome - records tool_error for an isError result and timeout past the deadline', async () => {
    const client = await gw.connect();
    let start = audit.events.length;
    await client.callTool({ name: 'db__echo', arguments: { message: 'fine' } });
    expect(outcomeAfter(start)).toMatchObject({ outcome: 'ok' });
    start = audit.events.length;
    await client.callTool({ name: 'db__echo', arguments: { message: 'x', fail: true } });
    expect(outcomeAfter(start)).toMatchObject({ outcome: 'tool_error' });
    start = audit.events.length;
    await expect(client.callTool({ name: 'db__slow', arguments: { steps: 1, delayMs: 1000 } })).rejects.toMatchObject({ data: { code: 'UPSTREAM_TIMEOUT' } });
    expect(outcomeAfter(start)).toMatchObject({ outcome: 'timeout', errorCode: 'UPSTREAM_TIMEOUT' });
  });

  it('audit-outcome - a failed outcome write does not take back an answer already produced', async () => {
    const client = await gw.connect();
    audit.failOutcomes = true;
    try {
      const result = await client.callTool({ name: 'db__echo', arguments: { message: 'still answered' } });
      expect((result.content as Array<{ text: string }>)[0]!.text).toBe('still answered');
    } finally {
      audit.failOutcomes = false;
    }
  });

  it('resolve - params that do not name a tool are REQUEST_INVALID', async () => {
    const client = await gw.connect();
    await expect(client.request({ method: 'tools/call', params: { name: 42 } } as never, (await import('zod')).z.looseObject({}))).rejects.toMatchObject({
      code: -32602, data: { code: 'REQUEST_INVALID' },
    });
  });
});
