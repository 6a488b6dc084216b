import { answerOf, APPROVAL_INPUT_KEY, approvalInputRequests, type ApprovalsConfig, askCaller, bindingChange, bindingOf, waitForOperator } from '../../approvals/index.ts';
import type { ApprovalBinding, ApprovalRecordOfCall } from '../../audit/index.ts';
import { WardenError } from '../../errors.ts';
import type { AnsweredQuestions } from '../answered-questions.ts';
import type { Authorized } from '../context.ts';
import { type SealedApproval, sealApprovalAsked } from '../continuation.ts';
import type { PipelineDeps } from '../deps.ts';
import { copyWith } from '../../own.ts';

/** An approval given, or refused with its error. */
export type Settled = { approved: true; context: Authorized } | { approved: false; error: WardenError; context: Authorized };
export type ApprovalVerdict = Settled | { approved: false; asked: Record<string, unknown>; context: Authorized };

type Deps = Pick<PipelineDeps, 'approvals' | 'clock' | 'integrity' | 'policy' | 'requestState'>;

/** The binding the call has now: its forwarded arguments, its tool's current digest, the live policy revision. */
function currentBinding(ctx: Authorized, deps: Deps): ApprovalBinding {
  const { target } = ctx;
  const digest = target.kind === 'resource' ? undefined : deps.integrity ? deps.integrity.status(target.kind, target.entry.upstream, target.entry.originalName)?.digest : target.pin?.digest;
  return bindingOf(ctx.upstreamParams.arguments, digest, deps.policy.revision);
}

const CODES: Record<Exclude<ApprovalRecordOfCall['result'], 'approved' | 'asked'>, WardenError['code']> = {
  declined: 'APPROVAL_DECLINED',
  cancelled: 'APPROVAL_DECLINED',
  timeout: 'APPROVAL_DECLINED',
  unavailable: 'APPROVAL_UNAVAILABLE',
  stale: 'APPROVAL_STALE',
};

function refusal(ctx: Authorized, approval: ApprovalRecordOfCall, why: string, cause?: unknown): Settled {
  const code = CODES[approval.result as keyof typeof CODES];
  const error = new WardenError(code, `Denied: ${why}`, { details: { reason: approval.reason, decisionId: ctx.decision.decisionId }, ...(cause === undefined ? {} : { cause }) });
  return { approved: false, error, context: copyWith(ctx, { approval }) };
}

const WHY: Record<Exclude<ApprovalRecordOfCall['result'], 'approved' | 'asked' | 'stale'>, string> = {
  declined: 'the approval was declined',
  cancelled: 'the approval was cancelled',
  timeout: 'nobody approved the call in time',
  unavailable: 'the approval could not be asked for',
};

/** How long the caller's user has to answer a new-era question: its state lives that long, and no longer than any relayed state. */
const questionLife = (config: ApprovalsConfig, deps: Deps): number => Math.min(config.caller_timeout_ms, deps.requestState.ttlMs);

/**
 * Stage approve (issue 15): a decision that allows only with an approval waits here, before any
 * limit slot is taken and before the decision row, for a person's yes to exactly this call. The
 * approval is bound to the arguments as forwarded, the tool's pinned digest and the policy
 * revision (approvals/binding.ts); `stillBound` checks that binding again just before the
 * decision row is written. A decision without `approval` passes through untouched.
 *
 * A new-era (2026-07-28) caller cannot be sent a request: it is handed the question as an
 * `input_required` result (`asked`: the pipeline records it and answers with it, forwarding
 * nothing), and its retry brings the answer and the sealed state back (continuation.ts). The
 * retry is authorized anew; this stage then reads the answer and checks the sealed binding
 * against the retry's own.
 */
export async function approve(ctx: Authorized, deps: Deps, answered: AnsweredQuestions): Promise<ApprovalVerdict> {
  const required = ctx.decision.approval;
  if (required === undefined) return { approved: true, context: ctx };
  const binding = currentBinding(ctx, deps);
  const approvals = deps.approvals;
  const mode = approvals?.config.mode ?? 'caller';
  const record = (result: ApprovalRecordOfCall['result'], by?: string): ApprovalRecordOfCall => ({ reason: required.reason, mode, result, binding, ...(by === undefined ? {} : { by }) });
  if (approvals === undefined) return refusal(ctx, record('unavailable'), WHY.unavailable);
  const tool = ctx.target.kind === 'resource' ? ctx.target.uri : ctx.target.entry.publicName;
  const upstreamName = ctx.target.kind === 'resource' ? undefined : ctx.target.entry.originalName;
  const shown = approvals.redact(ctx.upstreamParams.arguments ?? {});

  const callerBy = ctx.principal ? `caller:${ctx.principal.sub}` : 'caller';
  const sealed = ctx.sealedApproval;
  if (sealed !== undefined) {
    const by = sealed.status === 'given' ? sealed.by : callerBy;
    const first = sealed.status === 'given' || answered.first(ctx.continues ?? '', deps.clock.now(), questionLife(approvals.config, deps));
    return retried(ctx, sealed, first, binding, (result) => record(result, by));
  }

  if (mode === 'caller') {
    const channel = ctx.session.channel;
    if (channel.canElicit?.() !== true) return refusal(ctx, record('unavailable'), 'the approval could not be asked for: the client does not answer elicitation');
    const question = { tool, upstream: ctx.upstream, upstreamName, arguments: shown, reason: required.reason };
    if (ctx.session.takesInputRequired === true) {
      const expiresAt = deps.clock.now() + questionLife(approvals.config, deps);
      const requestState = sealApprovalAsked(ctx, { reason: required.reason, binding }, deps.requestState.sealer, expiresAt);
      return { approved: false, asked: { resultType: 'input_required', inputRequests: approvalInputRequests(question), requestState }, context: copyWith(ctx, { approval: record('asked') }) };
    }
    const elicit = (params: Record<string, unknown>, signal: AbortSignal, timeoutMs: number) => channel.request('elicitation/create', params, ctx.requestId, signal, timeoutMs);
    const result = await askCaller(elicit, question, ctx.signal, approvals.config.caller_timeout_ms);
    if (result !== 'approved') return refusal(ctx, record(result, result === 'unavailable' ? undefined : callerBy), WHY[result]);
    return { approved: true, context: copyWith(ctx, { approval: record('approved', callerBy) }) };
  }

  const store = approvals.store;
  if (store === undefined) return refusal(ctx, record('unavailable'), 'the approval could not be asked for: no approvals store');
  const now = deps.clock.now();
  const pending = {
    id: ctx.decision.decisionId,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + approvals.config.operator_timeout_ms).toISOString(),
    sub: ctx.principal?.sub ?? null,
    method: ctx.method,
    publicName: tool,
    upstream: ctx.upstream,
    upstreamName: upstreamName ?? null,
    arguments: shown,
    reason: required.reason,
    binding,
  };
  let answer;
  try {
    answer = await waitForOperator(pending, { store, pollMs: approvals.config.poll_interval_ms, signal: ctx.signal, now: () => deps.clock.now(), ...(ctx.progress ? { progress: ctx.progress } : {}) });
  } catch (error) {
    return refusal(ctx, record('unavailable'), 'the approval could not be asked for: the approvals table is unavailable', error);
  }
  if (answer.result !== 'approved') return refusal(ctx, record(answer.result, answer.by), WHY[answer.result]);
  return { approved: true, context: copyWith(ctx, { approval: record('approved', answer.by) }) };
}

/**
 * A new-era retry: the answer to the question asked in the previous round (only its first retry
 * counts), or an approval given earlier in the exchange; either holds only for the binding it was
 * sealed with, and a refusal keeps that sealed binding in its row.
 */
function retried(ctx: Authorized, sealed: SealedApproval, first: boolean, binding: ApprovalBinding, record: (result: ApprovalRecordOfCall['result']) => ApprovalRecordOfCall): Settled {
  const refused = (why: string, result: ApprovalRecordOfCall['result'] = 'stale') => refusal(ctx, { ...record(result), binding: sealed.binding }, why);
  if (!first) return refused('the approval was answered already: a requestState is good for one retry');
  const answer = sealed.status === 'given' ? 'approved' : answerOf(ctx.params.inputResponses);
  if (answer === 'unanswered') return refused(`the approval was not answered (params.inputResponses has no answer under "${APPROVAL_INPUT_KEY}")`, 'declined');
  if (answer !== 'approved') return refused(WHY[answer], answer);
  const change = bindingChange(sealed.binding, binding);
  if (change !== undefined) return refused(`the approval no longer holds: ${change} since it was given`);
  return { approved: true, context: copyWith(ctx, { approval: record('approved') }) };
}

/**
 * The binding is checked once more right before the decision row: an approval given while the
 * tool definition or the policy changed is for a call that no longer exists (APPROVAL_STALE).
 */
export function stillBound(ctx: Authorized, deps: Deps): Settled {
  const approval = ctx.approval;
  if (approval === undefined) return { approved: true, context: ctx };
  const change = bindingChange(approval.binding, currentBinding(ctx, deps));
  if (change === undefined) return { approved: true, context: ctx };
  return refusal(ctx, { ...approval, result: 'stale' }, `the approval no longer holds: ${change} since it was given`);
}
