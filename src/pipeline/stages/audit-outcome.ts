import type { Outcome } from '../../audit/index.ts';
import { isWardenError } from '../../errors.ts';
import type { Forwarded, Recorded } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';

/**
 * Stage 6: what became of a forwarded request. Runs after the upstream answered (or failed), so
 * a failure here cannot un-send anything: the runner logs it loudly and the caller still gets
 * the answer; the decision row already proves the request was let through.
 */
export async function auditOutcome(
  ctx: Pick<Recorded, 'decision' | 'requestId' | 'session' | 'signal' | 'startedAt'>,
  done: Pick<Forwarded, 'result' | 'upstreamMs'> | { error: unknown } | { asked: Record<string, unknown> } | { outcome: 'input_asked' | 'cancelled' },
  deps: Pick<PipelineDeps, 'audit' | 'clock'>,
): Promise<void> {
  const now = deps.clock.now();
  const error = 'error' in done ? done.error : undefined;
  await deps.audit.recordOutcome({
    time: new Date(now).toISOString(),
    decisionId: ctx.decision.decisionId,
    requestId: String(ctx.requestId),
    sessionId: ctx.session.id,
    // A failure after the caller cancelled is the cancellation, whatever error it surfaced as (a
    // composite reports its cancelled step as WORKFLOW_STEP_FAILED).
    outcome: 'outcome' in done ? done.outcome : 'asked' in done ? 'approval_asked' : 'error' in done ? (ctx.signal.aborted ? 'cancelled' : outcomeOf(error)) : done.result.isError === true ? 'tool_error' : 'ok',
    ...(isWardenError(error) ? { errorCode: error.code } : {}),
    durationMs: now - ctx.startedAt,
    ...('upstreamMs' in done ? { upstreamMs: done.upstreamMs } : {}),
  });
}

function outcomeOf(error: unknown): Outcome {
  // A composite stopped because the policy refused one of its steps: that step's own row is the
  // denial (issue 16: `audit query` showed the workflow as an upstream error).
  if (isWardenError(error, 'WORKFLOW_STEP_FAILED') && String(error.details?.reason ?? '').startsWith('POLICY_')) return 'step_denied';
  if (isWardenError(error, 'UPSTREAM_TIMEOUT')) return 'timeout';
  if (isWardenError(error, 'UPSTREAM_CANCELLED')) return 'cancelled';
  return 'upstream_error';
}
