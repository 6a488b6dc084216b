import { ProgressNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWithCli, waitFor, workflowCalls } from '../../../testkit/support/audit.ts';
import { startWorkflowStack, type WorkflowStack } from '../../../testkit/support/worlds/workflows.ts';

/**
 * Composite tools through the real gateway process: cancellation, progress, step timeout, an
 * upstream gone mid-workflow, and a hidden tool behind a composite. See support/workflows.ts for
 * the composites and roles.
 */
const RUNNER = ['runner'];

/** The JSON-RPC error a rejected call carries (`data` is the gateway's stable error document). */
async function failure(call: Promise<unknown>): Promise<McpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

describe('composite workflows through the gateway', () => {
  let stack: WorkflowStack;
  beforeAll(async () => {
    stack = await startWorkflowStack();
  }, 40_000);
  afterAll(async () => stack?.close());

  it('cancelling the client request during step 1 stops the workflow: step 2 never reaches its upstream', async () => {
    const client = await stack.connect('cancel-user', RUNNER);
    const addsBefore = stack.calls('ks').byTool.add ?? 0;
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow_then_add', arguments: {} }, undefined, { signal: controller.signal });
    // Cancel only once step 1 is really running upstream, so the cancellation is "midway".
    const slow = await waitFor(() => stack.calls('slow'), (c) => c.byTool.slow === 1);
    expect(slow.byTool.slow).toBe(1);
    controller.abort();
    await expect(call).rejects.toThrow();

    // The upstream saw notifications/cancelled and stopped its slow loop.
    expect((await waitFor(() => stack.calls('slow'), (c) => c.cancelled === 1)).cancelled).toBe(1);
    const rows = await waitFor(
      () => workflowCalls(stack.auditDb, 'cancel-user', 'slow_then_add'),
      (r) => r.length > 0 && r.every((row) => row.outcome !== null),
    );
    expect(rows).toEqual([
      { tool: 'slow_then_add', step: null, decision: 'allow', outcome: 'cancelled', code: 'WORKFLOW_STEP_FAILED' },
      { tool: 'slow__slow', step: 'wait', decision: 'allow', outcome: 'cancelled', code: 'UPSTREAM_CANCELLED' },
    ]);
    // The composite's outcome is written after its last step ended: step 2 had its chance and never came.
    expect(stack.calls('ks').byTool.add ?? 0).toBe(addsBefore);
    expect(verifyWithCli(stack.auditDb)).toBe(0);
  });

  it('reports progress as step i of n to the client', async () => {
    const client = await stack.connect('progress-user', RUNNER);
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    // Read raw notifications: the SDK's onprogress drops one that arrives with the result (testkit/fixtures/README.md).
    client.setNotificationHandler(ProgressNotificationSchema, (n) => void progress.push({ progress: n.params.progress, total: n.params.total, message: n.params.message }));
    const result = await client.callTool({ name: 'three_echoes', arguments: { word: 'hi' }, _meta: { progressToken: 'wf-progress' } });
    expect(result.content).toEqual([{ type: 'text', text: 'hi!!' }]);
    const messages = await waitFor(() => progress.map((p) => p.message), (m) => m.length >= 4, 2_000);
    expect(messages).toEqual(['step 1 of 3: one', 'step 2 of 3: two', 'step 3 of 3: three', 'done']);
    expect(progress.map((p) => [p.progress, p.total])).toEqual([[0, 3], [1, 3], [2, 3], [3, 3]]);
  });

  it('a step over its timeout_ms fails the workflow with the step named and UPSTREAM_TIMEOUT', async () => {
    const client = await stack.connect('timeout-user', RUNNER);
    const started = Date.now();
    const error = await failure(client.callTool({ name: 'timed', arguments: {} }));
    // The step's 300 ms deadline ended it, not the slow tool's own 4 s.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.data).toMatchObject({ code: 'WORKFLOW_STEP_FAILED', composite: 'timed', step: 'sluggish', tool: 'slow__slow', reason: 'UPSTREAM_TIMEOUT', completed: ['first'] });
    expect(error.message).toContain('step sluggish');
    const rows = await waitFor(() => workflowCalls(stack.auditDb, 'timeout-user', 'timed'), (r) => r.length === 3 && r.every((row) => row.outcome !== null));
    expect(rows.map((r) => [r.step, r.outcome])).toEqual([[null, 'upstream_error'], ['first', 'ok'], ['sluggish', 'timeout']]);
  });

  it('an upstream down mid-workflow fails the step with UPSTREAM_UNAVAILABLE and lists the steps done', async () => {
    const client = await stack.connect('down-user', RUNNER);
    await stack.killGone();
    const error = await failure(client.callTool({ name: 'via_gone', arguments: {} }));
    expect(error.data).toMatchObject({ code: 'WORKFLOW_STEP_FAILED', step: 'remote', tool: 'gone__echo', reason: 'UPSTREAM_UNAVAILABLE', completed: ['first'] });
    expect(error.message).toContain('step remote');
  });

  it('a tool hidden from the caller stays unreachable through a composite it may call', async () => {
    const client = await stack.connect('limited-user', ['limited']);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['ks__echo', 'sum_behind']);
    const addsBefore = stack.calls('ks').byTool.add ?? 0;
    const error = await failure(client.callTool({ name: 'sum_behind', arguments: {} }));
    // Exactly what calling ks__add directly answers: unknown, not "denied" (which would reveal it).
    expect(error.data).toMatchObject({ code: 'WORKFLOW_STEP_FAILED', step: 'sum', tool: 'ks__add', reason: 'TOOL_NOT_FOUND', completed: ['greet'] });
    const direct = await failure(client.callTool({ name: 'ks__add', arguments: { a: 1, b: 2 } }));
    expect(direct.data).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(stack.calls('ks').byTool.add ?? 0).toBe(addsBefore);
    const rows = await waitFor(() => workflowCalls(stack.auditDb, 'limited-user', 'sum_behind'), (r) => r.length === 3 && r[0]!.outcome !== null);
    expect(rows.map((r) => [r.step, r.tool, r.decision])).toEqual([[null, 'sum_behind', 'allow'], ['greet', 'ks__echo', 'allow'], ['sum', 'ks__add', 'deny']]);
  });
});
