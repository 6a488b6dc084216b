import { principalKey } from '../../auth/index.ts';
import { COMPOSITE_SERVER } from '../../composites/index.ts';
import type { Release } from '../../limits/index.ts';
import type { Authorized } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';

/**
 * Stage 3b, between authorize and audit-decision: the `limits` admit the call (rate rules, then a
 * slot of its caller and of its upstream) or refuse it with RATE_LIMITED / CONCURRENCY_LIMITED.
 * Only calls the policy allowed reach it, so a limit never tells a hidden tool from a missing one
 * and a denied call never spends a caller's tokens. A composite holds no slots itself: each of
 * its steps is admitted on its own (holding one while its steps wait could deadlock a caller
 * whose cap is 1).
 */
export function limit(ctx: Authorized, deps: Pick<PipelineDeps, 'limits' | 'clock'>): Promise<Release> {
  const { principal, target } = ctx;
  return deps.limits.admit(
    {
      principalKey: principalKey(principal),
      sub: principal?.sub,
      roles: principal?.roles ?? [],
      tool: target.kind === 'tool' ? target.entry.publicName : undefined,
      upstream: ctx.upstream,
    },
    deps.clock.now(),
    ctx.signal,
    ctx.upstream !== COMPOSITE_SERVER,
  );
}
