import type { Principal } from '../../auth/index.ts';
import { WardenError } from '../../errors.ts';
import { LIST_METHOD_OF, type ListMethod } from '../../mcp-methods.ts';
import { buildPolicyInput, type Decision, type PolicyInput, type PolicyRequest } from '../../policy/index.ts';
import type { Authorized, Resolved, SessionInfo, Target } from '../context.ts';
import type { InFlightCall } from '../in-flight.ts';
import type { PipelineDeps } from '../deps.ts';
import { notFound } from '../not-found.ts';
import { copyWith } from '../../own.ts';

/**
 * Stage 3: the policy decides, twice for a call. First "may the caller see this item?" (the
 * same question the list path asks per item): if not, the answer is exactly the unknown-name
 * error, so a hidden tool cannot be told from a missing one. Then "may it do this call?":
 * a denial there names the policy's reasons. Only `allow === true` lets a request through.
 */
type Verdict = { allowed: true; context: Authorized } | { allowed: false; error: WardenError; decision: Decision };

const LIST_METHOD: Record<Target['kind'], ListMethod> = { tool: LIST_METHOD_OF.tools, prompt: LIST_METHOD_OF.prompts, resource: LIST_METHOD_OF.resources };

interface DecisionSubject {
  principal: Principal | undefined;
  session: SessionInfo;
  requestId: string | number;
  workflow?: { name: string; step: string };
}

export function policyInput(subject: DecisionSubject, method: string, target: Target | undefined, now: number, args?: unknown): PolicyInput {
  const parsed: PolicyRequest = { method, request: requestOf(subject), ...subjectOf(target) };
  if (args !== null && typeof args === 'object' && !Array.isArray(args)) parsed.arguments = args as Record<string, unknown>;
  if (subject.workflow) parsed.workflow = subject.workflow;
  return buildPolicyInput(subject.principal, parsed, new Date(now));
}

/**
 * A server->client request (sampling, elicitation, roots) is decided in the name of the call that
 * caused it: its caller is the principal, and `call` describes that call as its own input did.
 */
export function serverRequestInput(owner: InFlightCall, upstream: string, method: string, params: Record<string, unknown> | undefined, now: number): PolicyInput {
  const { call } = owner;
  const parsed: PolicyRequest = {
    method,
    request: requestOf({ session: owner.session, requestId: owner.requestId }),
    upstream: { name: upstream },
    call: { method: call.method, ...subjectOf(call.target), decision_id: call.decision.decisionId },
    ...(params === undefined ? {} : { params }),
    ...(call.workflow ? { workflow: call.workflow } : {}),
  };
  return buildPolicyInput(call.principal, parsed, new Date(now));
}

/**
 * A task request (tasks/get, tasks/update, tasks/cancel), asked only once the task is known to be
 * the caller's: `task` names it on both sides, `params` is what the upstream will receive.
 */
export function taskInput(subject: DecisionSubject, method: string, task: NonNullable<PolicyInput['task']>, params: Record<string, unknown>, now: number): PolicyInput {
  return buildPolicyInput(subject.principal, { method, request: requestOf(subject), task, params }, new Date(now));
}

function requestOf(subject: Pick<DecisionSubject, 'session' | 'requestId'>): PolicyRequest['request'] {
  const { session } = subject;
  return {
    id: String(subject.requestId),
    session: session.id,
    transport: session.transport,
    protocol_version: session.protocolVersion,
    ...(session.remoteAddr === undefined ? {} : { remote_addr: session.remoteAddr }),
  };
}

/** The item a request addresses, under the name the input gives it (tool, prompt or resource). */
function subjectOf(target: Target | undefined): Pick<PolicyRequest, 'tool' | 'prompt' | 'resource'> {
  if (target?.kind === 'tool') {
    const annotations = target.entry.item.annotations as Record<string, unknown> | undefined;
    return { tool: { name: target.entry.publicName, server: target.entry.upstream, upstream_name: target.entry.originalName, ...(annotations ? { annotations } : {}), ...pinOf(target) } };
  }
  if (target?.kind === 'prompt') return { prompt: { name: target.entry.publicName, server: target.entry.upstream, ...pinOf(target) } };
  if (target?.kind === 'resource') return { resource: { uri: target.uri, server: target.upstream } };
  return {};
}

/** input.tool.digest / approved (issue 15): absent for composite tools and when integrity is off. */
function pinOf(target: Target & { kind: 'tool' | 'prompt' }): { digest?: string; approved?: boolean } {
  return target.pin === undefined ? {} : { digest: target.pin.digest, approved: target.pin.approved };
}

/** May the subject see this catalog item (list filtering, and the first half of a call)? */
export async function visible(subject: DecisionSubject, target: Target, deps: Pick<PipelineDeps, 'policy' | 'clock'>): Promise<Decision> {
  return deps.policy.evaluate(policyInput(subject, LIST_METHOD[target.kind], target, deps.clock.now()));
}

export async function authorize(ctx: Resolved, deps: Pick<PipelineDeps, 'policy' | 'clock'>): Promise<Verdict> {
  const seen = await visible(ctx, ctx.target, deps);
  if (seen.allow !== true) return { allowed: false, error: notFound(ctx.target), decision: seen };

  const args = ctx.method === 'tools/call' || ctx.method === 'prompts/get' ? (ctx.params.arguments ?? {}) : undefined;
  const decision = await deps.policy.evaluate(policyInput(ctx, ctx.method, ctx.target, deps.clock.now(), args));
  if (decision.allow !== true) return { allowed: false, error: denialError(decision), decision };
  return { allowed: true, context: copyWith(ctx, { decision }) };
}

export function denialError(decision: Decision): WardenError {
  const code = decision.code ?? 'POLICY_DENIED';
  // An engine failure's reason only repeats the message; policy-given reasons explain a denial.
  const why = code !== 'POLICY_ERROR' && decision.reasons.length > 0 ? `: ${decision.reasons.join('; ')}` : '';
  const text = code === 'POLICY_UNDEFINED' ? 'Denied: the policy made no decision' : code === 'POLICY_ERROR' ? 'Denied: policy evaluation failed' : 'Denied by policy';
  return new WardenError(code, `${text}${why}`, { details: { reasons: decision.reasons, decisionId: decision.decisionId } });
}
