import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import type { Authorized, Recorded } from '../../../src/pipeline/context.ts';
import { toJsonRpcError } from '../../../src/jsonrpc-errors.ts';
import type { WardenError } from '../../../src/errors.ts';
import { auditDecision } from '../../../src/pipeline/stages/audit-decision.ts';
import { forward } from '../../../src/pipeline/stages/forward.ts';
import { resolve } from '../../../src/pipeline/stages/resolve.ts';
import { waitFor } from '../../../testkit/support/audit.ts';
import { principal } from '../../../testkit/support/engines.ts';
import { realDeps, type RealDeps } from './real-deps.ts';
import { session } from './stage-context.ts';

/**
 * Stage 5 in process, against the relay fixture `db` over Streamable HTTP: what the upstream
 * receives is what resolve made of the caller's params, and its answer comes back whole.
 * The Recorded context comes from the real audit-decision stage (the only way to make one).
 */
let real: RealDeps;
beforeAll(async () => {
  real = await realDeps('stage-forward');
});
afterAll(() => real.close());

let n = 0;
async function recorded(params: Record<string, unknown>, extra: Partial<Authorized> = {}): Promise<Recorded> {
  n += 1;
  const authenticated = { method: 'tools/call' as const, params, session, requestId: `fwd-${n}`, token: undefined, signal: new AbortController().signal, principal: principal('alice'), startedAt: real.clock.ms };
  const decision = { allow: true, reasons: [], decisionId: `dec-fwd-${n}`, revision: real.deps.policy.revision };
  return auditDecision({ ...resolve(authenticated, real.deps), decision, ...extra }, real.deps);
}

const callsReceived = () => real.received.filter((m) => m.method === 'tools/call');

describe('forward - the stage in process', () => {
  it('sends the upstream exactly the resolved params under the original name and returns its whole answer', async () => {
    const ctx = await recorded({ name: 'db__echo', arguments: { message: 'hello', n: 0.1, nested: { list: [1, 'two'] } } });
    const before = callsReceived().length;
    const done = await forward(ctx, real.deps);
    expect(callsReceived().slice(before).map((m) => m.params)).toEqual([{ name: 'echo', arguments: { message: 'hello', n: 0.1, nested: { list: [1, 'two'] } } }]);
    expect(done.result).toEqual({ content: [{ type: 'text', text: 'hello', annotations: { priority: 1 } }], extraField: { kept: true } });
    expect(done.upstreamMs).toBe(0);
    expect(real.deps.inFlight.ownerOf('db')).toBeUndefined();
  });

  it("relays the upstream's progress under the caller's own token, all of it before the result", async () => {
    const progress: Progress[] = [];
    const ctx = await recorded({ name: 'db__slow', arguments: { steps: 3, delayMs: 1 }, _meta: { progressToken: 'caller-token' } }, { progress: async (p) => void progress.push(p) });
    const done = await forward(ctx, real.deps);
    expect(done.result).toMatchObject({ content: [{ text: 'done after 3' }] });
    expect(progress.map((p) => [p.progress, p.total, p.message])).toEqual([[1, 3, 'step 1'], [2, 3, 'step 2'], [3, 3, 'step 3']]);
    const sent = callsReceived().at(-1)!.params!;
    expect((sent._meta as Record<string, unknown>).progressToken).not.toBe('caller-token');
  });

  it("cancels the upstream request when the caller's signal aborts", async () => {
    const caller = new AbortController();
    const ctx = await recorded({ name: 'db__slow', arguments: { steps: 50, delayMs: 20 } }, { signal: caller.signal });
    const call = forward(ctx, real.deps);
    setTimeout(() => caller.abort(), 50);
    await expect(call).rejects.toMatchObject({ code: 'UPSTREAM_CANCELLED' });
    // The cancellation goes out as its own POST after the caller has its answer: wait for it.
    const cancelled = await waitFor(() => real.received.filter((m) => m.method === 'notifications/cancelled'), (list) => list.length > 0);
    expect(cancelled).toHaveLength(1);
    const stats = await forward(await recorded({ name: 'db__stats', arguments: {} }), real.deps);
    expect(JSON.parse((stats.result.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ cancelled: 1 });
  });

  it("keeps the upstream's own JSON-RPC error whole as UPSTREAM_ERROR, so the edge can relay it unchanged", async () => {
    // The fixture's SDK (v1) server refuses prompt arguments that are not strings: its own -32603.
    const n0 = n + 1;
    const authenticated = { method: 'prompts/get' as const, params: { name: 'db__greet', arguments: { who: 5 } }, session, requestId: `fwd-${n0}`, token: undefined, signal: new AbortController().signal, principal: principal('alice'), startedAt: real.clock.ms };
    n = n0;
    const ctx = await auditDecision({ ...resolve(authenticated, real.deps), decision: { allow: true, reasons: [], decisionId: `dec-fwd-${n0}`, revision: real.deps.policy.revision } }, real.deps);
    const error = await forward(ctx, real.deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', details: { upstream: 'db', jsonrpc: { code: -32603, message: expect.stringContaining('expected') } } });
    expect(toJsonRpcError(error)).toMatchObject({ code: -32603, message: (error as WardenError).message });
  });

  it('refuses an upstream that is not configured with UPSTREAM_UNAVAILABLE and sends nothing', async () => {
    const ctx = await recorded({ name: 'db__echo', arguments: { message: 'x' } });
    const before = real.received.length;
    await expect(forward({ ...ctx, upstream: 'gone' }, real.deps)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { upstream: 'gone' } });
    expect(real.received.length).toBe(before);
  });
});
