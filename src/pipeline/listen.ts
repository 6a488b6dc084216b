import { z } from 'zod';
import { WardenError } from '../errors.ts';
import { principalKey } from '../auth/index.ts';
import type { Logger } from '../log.ts';
import type { SessionInfo } from './context.ts';
import type { PipelineDeps } from './deps.ts';
import { listViews, type ListViews } from './seen-by.ts';
import { auditGatewayDecision } from './stages/audit-decision.ts';
import { auditOutcome } from './stages/audit-outcome.ts';
import { authenticate } from './stages/authenticate.ts';
import { denialError, policyInput, visible } from './stages/authorize.ts';

/**
 * `subscriptions/listen` (MCP 2026-07-28): a new-era caller's long-lived channel for list changes
 * and resource updates. Opening one is a request of its own: authenticated, decided by the policy
 * (`input.method` is `subscriptions/listen`, no item), and recorded (a decision row when it opens,
 * an outcome row when it ends). What it then hears is filtered as the lists are: a list change
 * only when the caller's own view of that list changed, a resource update only for a resource
 * the caller may read. The gateway keeps the open listeners (gateway/listeners.ts).
 */
export const ListenFilterSchema = z.object({
  toolsListChanged: z.boolean().optional(),
  promptsListChanged: z.boolean().optional(),
  resourcesListChanged: z.boolean().optional(),
  resourceSubscriptions: z.array(z.string()).optional(),
});

export type ListenFilter = z.infer<typeof ListenFilterSchema>;

export interface ListenRequest {
  params: Record<string, unknown>;
  session: SessionInfo;
  requestId: string | number;
  token: string | undefined;
  signal: AbortSignal;
}

export interface Listener {
  readonly filter: ListenFilter;
  /** Its caller (`iss sub`), what open streams are counted by (limits.sessions); undefined with auth disabled. */
  readonly principalKey: string | undefined;
  view(): Promise<ListViews>;
  /** resources/read of this URI would be allowed for the caller (it is listed for it, and the read is allowed). */
  mayRead(uri: string): Promise<boolean>;
  /** Milliseconds until the token the stream was opened with expires; undefined without one (auth disabled). */
  expiresInMs(): number | undefined;
  /** The stream ended (the caller went away, its token expired, or the gateway closed): the outcome row. */
  end(error?: unknown): void;
}

export async function openListen(request: ListenRequest, deps: PipelineDeps, log: Logger): Promise<Listener> {
  const parsed = ListenFilterSchema.safeParse(request.params.notifications);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['params', 'notifications', ...(issue?.path ?? []).map(String)].join('.');
    throw new WardenError('REQUEST_INVALID', `${field}: ${issue?.message ?? 'expected a subscription filter'}`, { details: { field } });
  }
  const filter = parsed.data;
  const subject = await authenticate(request, deps);
  const decision = await deps.policy.evaluate(policyInput(subject, 'subscriptions/listen', undefined, deps.clock.now()));
  const decided = { ...subject, method: 'subscriptions/listen', decision };
  if (decision.allow !== true) {
    await auditGatewayDecision(decided, { notifications: filter }, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
    throw denialError(decision);
  }
  await auditGatewayDecision(decided, { notifications: filter }, deps);
  const asked = { session: request.session, requestId: request.requestId };
  let ended = false;
  return {
    filter,
    principalKey: principalKey(subject.principal),
    view: () => listViews(subject.principal, deps, asked),
    expiresInMs: () => (subject.principal === undefined ? undefined : subject.principal.expiresAt * 1000 - deps.clock.now()),
    async mayRead(uri) {
      const owner = deps.catalog.findResource(uri);
      if (owner === undefined) return false;
      const target = { kind: 'resource' as const, uri, upstream: owner.upstream };
      if ((await visible(subject, target, deps)).allow !== true) return false;
      return (await deps.policy.evaluate(policyInput(subject, 'resources/read', target, deps.clock.now()))).allow === true;
    },
    end(error) {
      if (ended) return;
      ended = true;
      const done = error === undefined ? { result: {}, upstreamMs: 0 } : { error };
      void auditOutcome({ ...subject, decision, signal: request.signal }, done, deps).catch((failure: unknown) =>
        log.error({ err: failure, decisionId: decision.decisionId }, 'recording an outcome failed'),
      );
    },
  };
}
