import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/index.ts';
import { WardenError } from '../../../src/errors.ts';
import { auditOutcome } from '../../../src/pipeline/stages/audit-outcome.ts';
import { auditConfig, readEvents, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { testClock } from '../../../testkit/support/tokens.ts';
import { session } from './stage-context.ts';

/**
 * Stage 6 in process, with the real SQLite audit store: what became of a forwarded request is
 * one outcome row, named after the decision it follows, with its durations and error code.
 */
const { dir, cleanup } = tempDir('stage-audit-outcome');
const path = join(dir, 'audit.db');
const store = openAuditStore(auditConfig(path), { logger: silentLogger });
afterAll(async () => {
  await store.close();
  cleanup();
});

const clock = testClock();
let n = 0;
function recorded(aborted = false) {
  n += 1;
  const controller = new AbortController();
  if (aborted) controller.abort();
  return { decision: { allow: true, reasons: [], decisionId: `dec-out-${n}`, revision: 'sha256:out' }, requestId: n, session, signal: controller.signal, startedAt: clock.ms - 40 };
}

async function outcomeRow(ctx: ReturnType<typeof recorded>, done: Parameters<typeof auditOutcome>[1]) {
  await auditOutcome(ctx, done, { audit: store, clock });
  const rows = readEvents(path, "kind = 'outcome' AND decision_id = ?", ctx.decision.decisionId);
  expect(rows).toHaveLength(1);
  return { ...rows[0]!, data: JSON.parse(rows[0]!.data) as Record<string, unknown> };
}

describe('audit-outcome - the stage in process', () => {
  it('records ok with the whole duration and the upstream share, under the decision it follows', async () => {
    const ctx = recorded();
    const row = await outcomeRow(ctx, { result: { content: [] }, upstreamMs: 25 });
    expect(row).toMatchObject({ outcome: 'ok', request_id: String(ctx.requestId), session_id: 'session-1', code: null });
    expect(row.data).toMatchObject({ duration_ms: 40, upstream_ms: 25 });
  });

  it("records a result with isError as tool_error: the upstream answered, the tool failed", async () => {
    expect(await outcomeRow(recorded(), { result: { content: [], isError: true }, upstreamMs: 1 })).toMatchObject({ outcome: 'tool_error' });
  });

  it('records timeouts, cancellations and other upstream failures apart, with the error code', async () => {
    expect(await outcomeRow(recorded(), { error: new WardenError('UPSTREAM_TIMEOUT', 'timed out') })).toMatchObject({ outcome: 'timeout', code: 'UPSTREAM_TIMEOUT' });
    expect(await outcomeRow(recorded(), { error: new WardenError('UPSTREAM_CANCELLED', 'cancelled') })).toMatchObject({ outcome: 'cancelled', code: 'UPSTREAM_CANCELLED' });
    expect(await outcomeRow(recorded(), { error: new WardenError('UPSTREAM_UNAVAILABLE', 'down') })).toMatchObject({ outcome: 'upstream_error', code: 'UPSTREAM_UNAVAILABLE' });
    expect(await outcomeRow(recorded(), { error: new Error('socket hang up') })).toMatchObject({ outcome: 'upstream_error', code: null });
  });

  it('records a composite whose step the policy denied as step_denied, not upstream_error (issue 16)', async () => {
    const stepFailed = (reason: string) => new WardenError('WORKFLOW_STEP_FAILED', 'report: step mail failed', { details: { composite: 'report', step: 'mail', reason } });
    expect(await outcomeRow(recorded(), { error: stepFailed('POLICY_DENIED') })).toMatchObject({ outcome: 'step_denied', code: 'WORKFLOW_STEP_FAILED' });
    expect(await outcomeRow(recorded(), { error: stepFailed('POLICY_UNDEFINED') })).toMatchObject({ outcome: 'step_denied' });
    expect(await outcomeRow(recorded(), { error: stepFailed('UPSTREAM_UNAVAILABLE') })).toMatchObject({ outcome: 'upstream_error', code: 'WORKFLOW_STEP_FAILED' });
  });

  it('records any failure after the caller cancelled as cancelled, whatever it surfaced as', async () => {
    expect(await outcomeRow(recorded(true), { error: new WardenError('WORKFLOW_STEP_FAILED', 'step failed') })).toMatchObject({ outcome: 'cancelled', code: 'WORKFLOW_STEP_FAILED' });
  });

  it('rejects when the store cannot write (the runner logs it; the answer is already on its way)', async () => {
    const closed = openAuditStore(auditConfig(join(dir, 'closed.db')), { logger: silentLogger });
    await closed.close();
    await expect(auditOutcome(recorded(), { result: { content: [] }, upstreamMs: 1 }, { audit: closed, clock })).rejects.toThrow();
  });
});
