import type { Progress } from '@modelcontextprotocol/client';
import { WardenError } from '../../errors.ts';
import type { TraceCarrier } from '../../metrics/index.ts';
import type { Forwarded, Recorded } from '../context.ts';
import { sealInputRequired } from '../continuation.ts';
import type { PipelineDeps } from '../deps.ts';
import { adoptTask } from '../tasks.ts';

/**
 * Stage 5: the request goes to its upstream. Accepts only a Recorded context (decision row
 * committed). Progress comes back under the upstream's token and is re-sent under the caller's
 * own; the last progress notification is flushed before the result is returned, because a
 * client drops progress that arrives after its response. The caller's abort signal cancels the
 * upstream request (notifications/cancelled). `trace` is the W3C context the upstream gets as
 * its parent (in `_meta`, and as headers over HTTP).
 */
export async function forward(ctx: Recorded, deps: Pick<PipelineDeps, 'upstreams' | 'inFlight' | 'clock' | 'requestState' | 'tasks'>, trace?: TraceCarrier): Promise<Forwarded> {
  const connection = deps.upstreams.get(ctx.upstream);
  if (!connection) {
    throw new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${ctx.upstream}" is not configured`, { details: { upstream: ctx.upstream } });
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
    // A new-era caller gets the upstream's input_required with the gateway's sealed state (continuation.ts).
    if (result.resultType === 'input_required') {
      return { ...ctx, result: sealInputRequired(result, ctx, deps.requestState.sealer, deps.clock.now() + deps.requestState.ttlMs), upstreamMs };
    }
    // A task handle (the tasks extension): the caller gets it under the gateway's own id (tasks.ts).
    if (result.resultType === 'task') return { ...ctx, result: await adoptTask(result, ctx, deps), upstreamMs };
    return { ...ctx, result, upstreamMs };
  } finally {
    release();
  }
}
