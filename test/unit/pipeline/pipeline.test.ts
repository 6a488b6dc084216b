import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDecisionSource } from '../../../src/audit/index.ts';
import { createPipeline, type Pipeline } from '../../../src/pipeline/pipeline.ts';
import { readEvents, waitFor } from '../../../testkit/support/audit.ts';
import { realDeps, type RealDeps } from './real-deps.ts';
import { session } from './stage-context.ts';

/**
 * The whole pipeline built from `PipelineDeps` in process, every part real (real-deps.ts):
 * signed JWTs, the Rego engine, SQLite, the relay fixture over Streamable HTTP. What the policy
 * decided on, what the audit stored and what the upstream received are one document.
 */
let real: RealDeps;
let pipeline: Pipeline;
beforeAll(async () => {
  real = await realDeps('pipeline-whole');
  pipeline = createPipeline(real.deps);
});
afterAll(() => real.close());

let id = 0;
async function call(sub: string, name: string, args: Record<string, unknown>) {
  id += 1;
  const requestId = `whole-${id}`;
  const run = pipeline.call({ method: 'tools/call', params: { name, arguments: args }, session, requestId, token: await real.token(sub), signal: new AbortController().signal });
  return { requestId, run };
}
const rowsOf = (requestId: string) => readEvents(real.auditPath, 'request_id = ?', requestId);
const upstreamCalls = () => real.received.filter((m) => m.method === 'tools/call');

describe('the pipeline from PipelineDeps, all parts real', () => {
  it('forwards an allowed call, with a decision row before and an outcome row after, and the same arguments everywhere', async () => {
    const args = { message: 'hello', n: 0.1, deep: { a: [1, null, 'x'] } };
    const before = upstreamCalls().length;
    const { requestId, run } = await call('alice', 'db__echo', args);
    expect(await run).toMatchObject({ content: [{ type: 'text', text: 'hello' }], extraField: { kept: true } });
    expect(upstreamCalls().slice(before).map((m) => m.params)).toEqual([{ name: 'echo', arguments: args }]);
    // The outcome row is written behind the answer (pipeline.ts): wait for it.
    const rows = await waitFor(() => rowsOf(requestId), (r) => r.length === 2);
    expect(rows.map((r) => [r.kind, r.decision, r.outcome])).toEqual([['decision', 'allow', null], ['outcome', null, 'ok']]);
    expect(rows[0]).toMatchObject({ sub: 'alice', method: 'tools/call', public_name: 'db__echo', upstream: 'db', upstream_name: 'echo' });
    expect(rows[1]!.decision_id).toBe(rows[0]!.decision_id);
    // The call's own decision (the second question, after visibility) is the one the row keeps.
    const decidedOn = real.inputs.filter((i) => i.method === 'tools/call' && i.request?.id === requestId);
    expect(decidedOn.map((i) => i.arguments)).toEqual([args]);
    const source = await openDecisionSource(real.auditPath);
    try {
      const recorded = await source.byId(rows[0]!.decision_id!);
      expect(recorded).toMatchObject({ decision: 'allow', redacted: false });
      expect(recorded!.input).toEqual(JSON.parse(JSON.stringify(decidedOn[0])));
    } finally {
      await source.close();
    }
  });

  it('denies a call the policy refuses with POLICY_DENIED and its reasons, records the denial, and sends the upstream nothing', async () => {
    const before = upstreamCalls().length;
    const { requestId, run } = await call('alice', 'db__echo', { message: 'forbidden' });
    await expect(run).rejects.toMatchObject({ code: 'POLICY_DENIED', details: { reasons: ['no forbidden messages'] } });
    const rows = await waitFor(() => rowsOf(requestId), (r) => r.length > 0);
    expect(rows.map((r) => [r.kind, r.decision, r.public_name])).toEqual([['decision', 'deny', 'db__echo']]);
    expect(JSON.parse(rows[0]!.data)).toMatchObject({ reasons: ['no forbidden messages'] });
    expect(upstreamCalls().length).toBe(before);
  });

  it('answers a caller who may not see the tool as for an unknown tool, records it, and sends nothing', async () => {
    const before = upstreamCalls().length;
    for (const name of ['db__echo', 'db__nope']) {
      const { requestId, run } = await call('bob', name, { message: 'hi' });
      await expect(run).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND', message: `Unknown tool: ${name}` });
      const rows = await waitFor(() => rowsOf(requestId), (r) => r.length > 0);
      expect(rows.map((r) => [r.kind, r.decision, r.sub])).toEqual([['decision', 'deny', 'bob']]);
    }
    expect(upstreamCalls().length).toBe(before);
  });

  it('lists only what each caller may see, asking the policy per item', async () => {
    const list = async (sub: string) => pipeline.list({ kind: 'tools/list', cursor: undefined, session, requestId: `list-${sub}`, token: await real.token(sub) });
    expect((await list('alice')).items.map((t) => t.name)).toEqual(['db__echo']);
    expect((await list('bob')).items).toEqual([]);
  });

  it('refuses a call without a token before anything is resolved or sent', async () => {
    const before = real.received.length;
    await expect(pipeline.call({ method: 'tools/call', params: { name: 'db__echo', arguments: {} }, session, requestId: 'no-token', token: undefined, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
    expect(real.received.length).toBe(before);
  });
});
