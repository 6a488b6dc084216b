import type { DecisionEvent } from '../../audit/index.ts';
import type { WardenError } from '../../errors.ts';
import type { Decision } from '../../policy/index.ts';
import type { Authenticated, Authorized, Recorded, Resolved } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';
import type { InFlightCall } from '../in-flight.ts';

/**
 * Stage 4: the decision row is committed BEFORE anything is forwarded. This is the only place a
 * Recorded context is made. If the write fails the runner answers AUDIT_UNAVAILABLE and nothing
 * reaches the upstream.
 */
export async function auditDecision(ctx: Authorized, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<Recorded> {
  await deps.audit.recordDecision(decisionEvent(ctx, ctx.decision, deps.clock.now()));
  return ctx as Recorded;
}

/** A denial is recorded too (best effort: the caller is refused either way). */
export async function auditDenial(ctx: Resolved, decision: Decision, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  await deps.audit.recordDecision(decisionEvent(ctx, decision, deps.clock.now()));
}

/**
 * A call the policy allowed and a limit refused (RATE_LIMITED, CONCURRENCY_LIMITED): a deny row
 * with the limit's code and message, under the policy decision's id (the caller's error names it).
 */
export async function auditRefusal(ctx: Authorized, error: WardenError, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  const event = decisionEvent(ctx, { ...ctx.decision, allow: false }, deps.clock.now());
  event.code = error.code;
  event.reasons = [error.message];
  await deps.audit.recordDecision(event);
}

/**
 * A request refused at the edge before any stage could take it (a session cap at `initialize`):
 * a deny row with the refusal's code, under a decision id of its own, in the caller's name when
 * its token verifies.
 */
export async function auditEdgeRefusal(ctx: RequestFields, error: WardenError, decision: Decision, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  const event = commonEvent(ctx, decision, deps.clock.now());
  event.code = error.code;
  await deps.audit.recordDecision(event);
}

/**
 * A request that addresses no item (logging/setLevel goes to every upstream that logs,
 * subscriptions/listen hears from all of them): its row names the method and what was asked
 * (`args`: the level, the notification filter) and no tool or upstream. Allowed or denied, it is
 * recorded like a call.
 */
export async function auditGatewayDecision(ctx: RequestFields & { decision: Decision }, args: Record<string, unknown>, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  const event = commonEvent(ctx, ctx.decision, deps.clock.now());
  event.arguments = args;
  await deps.audit.recordDecision(event);
}

/**
 * A server->client request is recorded like a call, in the name of the call that caused it (its
 * request and session ids, its caller, its tool): the row names the method, the upstream that
 * asked, and stores the params relayed to the client as the arguments.
 */
export async function auditServerRequest(
  ctx: { owner: InFlightCall; upstream: string; method: string; params: Record<string, unknown> | undefined; decision: Decision },
  deps: Pick<PipelineDeps, 'audit' | 'clock'>,
): Promise<void> {
  const { owner } = ctx;
  const event = commonEvent({ ...owner.call, requestId: owner.requestId, session: owner.session, params: {}, method: ctx.method }, ctx.decision, deps.clock.now());
  event.upstream = ctx.upstream;
  const { target } = owner.call;
  event.publicName = target.kind === 'resource' ? target.uri : target.entry.publicName;
  if (ctx.params !== undefined) event.arguments = ctx.params;
  await deps.audit.recordDecision(event);
}

/**
 * A name that resolves to nothing is recorded as a denial too, with the not-found code and no
 * upstream: a hidden name costs a committed row, so an unknown one must cost the same (issue 13,
 * hole 3), and probing for names shows in the trail.
 */
export async function auditUnknownName(ctx: Authenticated, name: string, code: string, decision: Decision, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  const event = commonEvent(ctx, { ...decision, allow: false }, deps.clock.now());
  event.publicName = name;
  event.code = code;
  await deps.audit.recordDecision(event);
}

/**
 * A task request (the tasks extension) is recorded like a call: the row names the task by the
 * gateway's id (`publicName`) and the upstream's (`upstreamName`), its upstream, and stores the
 * params as they go to the upstream. A task that is not the caller's has a row too (the not-found
 * code, no upstream: the same row whether the task is another principal's or does not exist).
 */
export async function auditTaskDecision(
  ctx: RequestFields & { decision: Decision },
  task: { id: string; upstream?: string; upstreamTaskId?: string; upstreamProtocolVersion?: string; params?: Record<string, unknown>; code?: string },
  deps: Pick<PipelineDeps, 'audit' | 'clock'>,
): Promise<void> {
  const event = commonEvent(ctx, ctx.decision, deps.clock.now());
  event.publicName = task.id;
  if (task.upstream !== undefined) event.upstream = task.upstream;
  if (task.upstreamTaskId !== undefined) event.upstreamName = task.upstreamTaskId;
  if (task.upstreamProtocolVersion !== undefined) event.upstreamProtocolVersion = task.upstreamProtocolVersion;
  if (task.params !== undefined) event.arguments = task.params;
  if (task.code !== undefined) event.code = task.code;
  await deps.audit.recordDecision(event);
}

/** What a decision row needs from any authenticated request. */
type RequestFields = Pick<Authenticated, 'requestId' | 'session' | 'principal' | 'params' | 'workflow'> & { method: string };

function commonEvent(ctx: RequestFields, decision: Decision, now: number): DecisionEvent {
  const { principal } = ctx;
  const event: DecisionEvent = {
    time: new Date(now).toISOString(),
    requestId: String(ctx.requestId),
    sessionId: ctx.session.id,
    protocolVersion: ctx.session.protocolVersion,
    method: ctx.method,
    decision: decision.allow === true ? 'allow' : 'deny',
    reasons: decision.reasons,
    policyRevision: decision.revision,
    decisionId: decision.decisionId,
  };
  if (principal) {
    event.principal = { sub: principal.sub, iss: principal.iss };
    event.tokenId = principal.tokenId;
  }
  if (decision.allow !== true) event.code = decision.code ?? 'POLICY_DENIED';
  if (ctx.params.arguments !== undefined) event.arguments = ctx.params.arguments;
  if (decision.input) event.input = { ...decision.input };
  if (ctx.workflow) event.workflow = ctx.workflow;
  return event;
}

function decisionEvent(ctx: Resolved | Authorized, decision: Decision, now: number): DecisionEvent {
  const event = commonEvent(ctx, decision, now);
  if ('approval' in ctx && ctx.approval !== undefined) event.approval = ctx.approval;
  const { target } = ctx;
  event.upstream = ctx.upstream;
  if (ctx.upstreamProtocolVersion !== undefined) event.upstreamProtocolVersion = ctx.upstreamProtocolVersion;
  if (ctx.continues !== undefined) event.continues = ctx.continues;
  if (target.kind === 'resource') event.publicName = target.uri;
  else {
    event.publicName = target.entry.publicName;
    event.upstreamName = target.entry.originalName;
  }
  return event;
}
