import { z } from 'zod';
import type { Principal } from '../auth/index.ts';
import { WardenError } from '../errors.ts';
import type { Authenticated, Authorized, Recorded, Resolved } from './context.ts';
import type { PendingRef } from './pending-input.ts';

/**
 * The input_required relay (MCP 2026-07-28, issue 11). A new-era upstream that needs the caller's
 * input answers `resultType: "input_required"` with an opaque `requestState`; the caller retries
 * the same request with `inputResponses` and that state. The gateway never hands the upstream's
 * state to the caller: it seals its own around it (AES-256-GCM, `server.session_key`, shared by
 * every replica; src/seal.ts) together with the upstream, the request it answers, the
 * principal, the decision that let the first round through and an expiry. A retry is a new
 * request: authenticated, authorized and audited again, its decision row naming the first one
 * (`continues_decision`); its state must open under our key, be unexpired, belong to the same
 * principal and repeat the same method and name, or nothing is forwarded.
 *
 * The same state carries approvals in the new era (issue 15): the gateway's own question (an
 * approval asked of the caller, `status: "asked"`), or an approval given earlier in the exchange
 * (`"given"`, so an upstream's later input_required does not ask the person again). Either is
 * bound to the arguments as forwarded, the tool digest and the policy revision (approvals/binding.ts).
 */
export interface RequestStateSealer {
  seal(payload: Continuation): string;
  /** The payload, or undefined when the token was not sealed by this key for this purpose. */
  open(token: string): unknown;
}

const sealedApprovalSchema = z.object({
  status: z.enum(['asked', 'given']),
  reason: z.string(),
  binding: z.object({ argumentsSha256: z.string(), toolDigest: z.string(), policyRevision: z.string() }),
  /** Who gave it (`"given"` only). */
  by: z.string().optional(),
});
export type SealedApproval = z.infer<typeof sealedApprovalSchema>;

const continuationSchema = z.object({
  v: z.literal(1),
  upstream: z.string(),
  method: z.string(),
  /** The tool or prompt name, or the resource URI, the caller addressed (its public name). */
  name: z.string(),
  /** The upstream's own requestState, handed back to it on the retry; null when it sent none. */
  state: z.string().nullable(),
  iss: z.string().nullable(),
  sub: z.string().nullable(),
  decisionId: z.string(),
  /** Epoch milliseconds. */
  exp: z.number(),
  approval: sealedApprovalSchema.optional(),
  /**
   * An old-era upstream's call parked in a gateway process, waiting for this retry's answers
   * (pending-input.ts): which process, and the call's id there.
   */
  pending: z.object({ id: z.string(), instance: z.string() }).optional(),
});
export type Continuation = z.infer<typeof continuationSchema>;

/** The public name a request addresses: what a continuation binds the retry to. */
function addressed(params: Record<string, unknown>): string | undefined {
  const name = params.name ?? params.uri;
  return typeof name === 'string' ? name : undefined;
}

const owner = (principal: Principal | undefined) => ({ iss: principal?.iss ?? null, sub: principal?.sub ?? null });

/**
 * The continuation a retry brings back in `params.requestState`, checked against the request
 * that brings it; undefined when the request carries none. Throws the typed refusal otherwise.
 */
export function openContinuation(ctx: Authenticated, sealer: RequestStateSealer, now: number): Continuation | undefined {
  const token = ctx.params.requestState;
  if (token === undefined) return undefined;
  const refuse = (code: 'REQUEST_STATE_INVALID' | 'REQUEST_STATE_EXPIRED' | 'REQUEST_STATE_FOREIGN', message: string) =>
    new WardenError(code, message, { details: { field: 'params.requestState' } });
  const opened = typeof token === 'string' ? continuationSchema.safeParse(sealer.open(token)) : undefined;
  if (opened === undefined || !opened.success) throw refuse('REQUEST_STATE_INVALID', 'params.requestState: not issued by this gateway, or altered');
  const continuation = opened.data;
  const caller = owner(ctx.principal);
  if (continuation.iss !== caller.iss || continuation.sub !== caller.sub) throw refuse('REQUEST_STATE_FOREIGN', 'params.requestState: issued to another principal');
  // Written so that a non-number expiry (NaN) counts as expired: fail closed.
  if (!(now <= continuation.exp)) throw refuse('REQUEST_STATE_EXPIRED', `params.requestState: expired at ${new Date(continuation.exp).toISOString()}; start the request again`);
  if (continuation.method !== ctx.method || continuation.name !== addressed(ctx.params)) {
    throw refuse('REQUEST_STATE_INVALID', `params.requestState: issued for ${continuation.method} ${continuation.name}, not for this request`);
  }
  return continuation;
}

/**
 * The resolved retry, with the upstream's own state in place of ours; refused if the name now
 * leads to another upstream. The answer to the gateway's own question (an approval it asked
 * for) is the gateway's: `inputResponses` is not forwarded then.
 */
export function continueResolved(resolved: Resolved, continuation: Continuation): Resolved {
  if (resolved.upstream !== continuation.upstream) {
    throw new WardenError('REQUEST_STATE_INVALID', `params.requestState: issued for upstream "${continuation.upstream}", but the name now leads to "${resolved.upstream}"`, {
      details: { field: 'params.requestState' },
    });
  }
  const { requestState: _ours, ...params } = resolved.upstreamParams;
  const { approval } = continuation;
  if (approval?.status === 'asked') delete params.inputResponses;
  return {
    ...resolved,
    continues: continuation.decisionId,
    ...(approval === undefined ? {} : { sealedApproval: approval }),
    ...(continuation.pending === undefined ? {} : { resumes: continuation.pending }),
    upstreamParams: continuation.state === null ? params : { ...params, requestState: continuation.state },
  };
}

function sealFor(ctx: Authorized, sealer: RequestStateSealer, expiresAt: number, state: unknown, approval: SealedApproval | undefined, pending?: PendingRef): string {
  const continuation: Continuation = {
    v: 1,
    upstream: ctx.upstream,
    method: ctx.method,
    name: addressed(ctx.params) ?? '',
    state: typeof state === 'string' ? state : null,
    ...owner(ctx.principal),
    decisionId: ctx.decision.decisionId,
    exp: expiresAt,
    ...(approval === undefined ? {} : { approval }),
    ...(pending === undefined ? {} : { pending: { id: pending.id, instance: pending.instance } }),
  };
  return sealer.seal(continuation);
}

/**
 * An `input_required` result as the caller gets it: the gateway's sealed state in place of the
 * upstream's, carrying the approval this call was forwarded with, if any. `pending`: the result is
 * the gateway's own, for an old-era upstream's call parked until the retry (pending-input.ts).
 */
export function sealInputRequired(result: Record<string, unknown>, ctx: Recorded, sealer: RequestStateSealer, expiresAt: number, pending?: PendingRef): Record<string, unknown> {
  const given = ctx.approval?.result === 'approved' ? { status: 'given' as const, reason: ctx.approval.reason, binding: ctx.approval.binding, ...(ctx.approval.by === undefined ? {} : { by: ctx.approval.by }) } : undefined;
  return { ...result, requestState: sealFor(ctx, sealer, expiresAt, result.requestState, given, pending) };
}

/**
 * The state of the gateway's own question (an approval asked in the new era). A call that was
 * itself a retry of an upstream's input_required keeps the upstream's state for the next round.
 */
export function sealApprovalAsked(ctx: Authorized, asked: Omit<SealedApproval, 'status' | 'by'>, sealer: RequestStateSealer, expiresAt: number): string {
  return sealFor(ctx, sealer, expiresAt, ctx.upstreamParams.requestState, { status: 'asked', ...asked });
}
