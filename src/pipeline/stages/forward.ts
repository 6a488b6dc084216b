import type { Progress } from '@modelcontextprotocol/client';
import { WardenError } from '../../errors.ts';
import type { TraceCarrier } from '../../metrics/index.ts';
import type { Forwarded, Recorded } from '../context.ts';
import { sealInputRequired } from '../continuation.ts';
import type { PipelineDeps } from '../deps.ts';
import { answersInputRequired } from '../../mcp-methods.ts';
import { argumentsDigest, InputRounds } from '../pending-input.ts';
import { adoptTask } from '../tasks.ts';
import { copyWith } from '../../own.ts';

type ForwardDeps = Pick<PipelineDeps, 'upstreams' | 'inFlight' | 'clock' | 'requestState' | 'tasks'>;
type UpstreamConnection = NonNullable<ReturnType<PipelineDeps['upstreams']['get']>>;

/**
 * Stage 5: the request goes to its upstream. Accepts only a Recorded context (decision row
 * committed). Progress comes back under the upstream's token and is re-sent under the caller's
 * own; the last progress notification is flushed before the result is returned, because a
 * client drops progress that arrives after its response. The caller's abort signal cancels the
 * upstream request (notifications/cancelled). `trace` is the W3C context the upstream gets as
 * its parent (in `_meta`, and as headers over HTTP).
 */
export async function forward(ctx: Recorded, deps: ForwardDeps, trace?: TraceCarrier): Promise<Forwarded> {
  // A retry that continues a parked call: its answers go to the waiting upstream requests.
  if (ctx.resumes !== undefined) return round(ctx, deps.requestState.pending.resume(ctx.resumes, ctx.upstreamParams.inputResponses), deps);
  const connection = deps.upstreams.get(ctx.upstream);
  if (!connection) {
    throw new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${ctx.upstream}" is not configured`, { details: { upstream: ctx.upstream } });
  }
  // A new-era caller of an old-era upstream: the upstream's own questions become input_required
  // rounds, where the spec allows that result. (A composite's step cannot take such a round: its
  // steps keep the session's channel, which refuses.)
  if (ctx.session.takesInputRequired === true && ctx.workflow === undefined && connection.era === 'legacy' && answersInputRequired(ctx.method)) {
    return inRounds(ctx, connection, deps, trace);
  }
  let delivered: Promise<void> = Promise.resolve();
  const send = ctx.progress;
  const onprogress = send === undefined ? undefined : (progress: Progress) => {
    delivered = delivered.then(() => send(progress)).catch(() => undefined);
  };
  const release = deps.inFlight.add(ctx.upstream, { session: ctx.session, requestId: ctx.requestId, call: ctx });
  const sentAt = deps.clock.now();
  try {
    const result = await connection.request(ctx.method, ctx.upstreamParams, {
      signal: ctx.signal,
      ...(onprogress ? { onprogress } : {}),
      ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }),
      ...(trace === undefined ? {} : { trace }),
      ...(ctx.session.takesInputRequired === true ? { returnInputRequired: true } : {}),
      ...(ctx.session.relayCapabilities === undefined ? {} : { clientCapabilities: ctx.session.relayCapabilities }),
      ...(ctx.logs === undefined ? {} : { logLevel: ctx.logs.level }),
    });
    await delivered;
    const upstreamMs = deps.clock.now() - sentAt;
    // A new-era caller gets the upstream's input_required with the gateway's sealed state
    // (continuation.ts), once its questions are decided (pipeline.ts).
    if (result.resultType === 'input_required') {
      const sealed = sealInputRequired(result, ctx, deps.requestState.sealer, deps.clock.now() + deps.requestState.ttlMs);
      const { inputRequests } = result;
      return copyWith(ctx, { result: sealed, upstreamMs, questions: typeof inputRequests === 'object' && inputRequests !== null ? (inputRequests as Record<string, unknown>) : {} });
    }
    // A task handle (the tasks extension): the caller gets it under the gateway's own id (tasks.ts).
    if (result.resultType === 'task') return copyWith(ctx, { result: await adoptTask(result, ctx, deps), upstreamMs });
    return copyWith(ctx, { result, upstreamMs });
  } finally {
    release();
  }
}

/**
 * The call to an old-era upstream of a new-era caller (pending-input.ts): sent on a signal of its
 * own, so it can outlive this request while parked; its server->client requests reach the rounds
 * (the in-flight call's channel) after the policy decided and recorded each, as for any caller.
 */
function inRounds(ctx: Recorded, connection: UpstreamConnection, deps: ForwardDeps, trace: TraceCarrier | undefined): Promise<Forwarded> {
  const rounds = new InputRounds(ctx.session.relayCapabilities, argumentsDigest(ctx.upstreamParams));
  const release = deps.inFlight.add(ctx.upstream, { session: { ...ctx.session, channel: rounds.channel }, requestId: ctx.requestId, call: ctx });
  connection
    .request(ctx.method, ctx.upstreamParams, {
      signal: rounds.controller.signal,
      onprogress: (progress) => rounds.progress?.(progress),
      ...(ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs }),
      ...(trace === undefined ? {} : { trace }),
      ...(ctx.logs === undefined ? {} : { logLevel: ctx.logs.level }),
    })
    .then(
      (result) => rounds.settle({ result }),
      (error: unknown) => rounds.settle({ error }),
    )
    .finally(() => {
      release();
      deps.requestState.pending.forget(rounds);
    });
  return round(ctx, rounds, deps);
}

/**
 * One round, for the request under way (the first call, or a retry): the upstream's result, or
 * its questions as an input_required result whose sealed state names the parked call. When the
 * gateway already holds as many parked calls as allowed, the questions are refused to the
 * upstream instead, and the round goes on to whatever the upstream answers then.
 */
async function round(ctx: Recorded, rounds: InputRounds, deps: ForwardDeps): Promise<Forwarded> {
  const sentAt = deps.clock.now();
  let delivered: Promise<void> = Promise.resolve();
  const send = ctx.progress;
  rounds.progress = send === undefined ? undefined : (progress: Progress) => {
    delivered = delivered.then(() => send(progress)).catch(() => undefined);
  };
  try {
    for (;;) {
      const end = await rounds.next(ctx.signal);
      await delivered;
      if ('error' in end) throw end.error;
      if ('result' in end) return copyWith(ctx, { result: end.result, upstreamMs: deps.clock.now() - sentAt });
      // The call ended as its questions were gathered (they were refused): its end is the answer.
      if (rounds.ended) continue;
      const pending = deps.requestState.pending.park(rounds);
      if (pending === undefined) {
        rounds.refuseAll(new WardenError('CONCURRENCY_LIMITED', 'mcp-warden holds as many calls waiting for their callers as server.pending_input_max allows', { details: { limit: 'pending_input_max' } }));
        continue;
      }
      const now = deps.clock.now();
      const asked = { resultType: 'input_required', inputRequests: end.asked };
      return copyWith(ctx, { result: sealInputRequired(asked, ctx, deps.requestState.sealer, now + deps.requestState.pending.ttlMs, pending), upstreamMs: now - sentAt });
    }
  } finally {
    rounds.progress = undefined;
  }
}
