import type { Result } from '@modelcontextprotocol/client';
import { LoggingLevelSchema } from '@modelcontextprotocol/core';
import { paginate, type Item, type NamedEntry, type Page } from '../catalog/index.ts';
import { COMPOSITE_SERVER } from '../composites/index.ts';
import { asWardenError, type ErrorCode, WardenError } from '../errors.ts';
import type { TraceCarrier } from '../metrics/index.ts';
import type { Authenticated, Authorized, CallRequest, Forwarded, Recorded, SessionInfo, Target } from './context.ts';
import type { PipelineDeps } from './deps.ts';
import type { InFlightCall } from './in-flight.ts';
import type { ListMethod } from '../mcp-methods.ts';
import { Observed } from './observe.ts';
import { auditDecision, auditDenial, auditEdgeRefusal, auditGatewayDecision, auditRefusal, auditServerRequest, auditUnknownName } from './stages/audit-decision.ts';
import { auditOutcome } from './stages/audit-outcome.ts';
import { auditShown } from './stages/audit-shown.ts';
import { approve, type Settled, stillBound } from './stages/approve.ts';
import { authenticate } from './stages/authenticate.ts';
import { authorize, denialError, policyInput, serverRequestInput, visible } from './stages/authorize.ts';
import { forward } from './stages/forward.ts';
import { limit } from './stages/limit.ts';
import { runCompositeCall } from './stages/run-composite.ts';
import { resolve } from './stages/resolve.ts';
import { type Continuation, continueResolved, openContinuation } from './continuation.ts';
import { AnsweredQuestions } from './answered-questions.ts';
import { argumentsDigest } from './pending-input.ts';
import { type ListViews, listViews, type SeenItem, seenBy } from './seen-by.ts';
import { type Listener, type ListenRequest, openListen } from './listen.ts';
import type { Principal } from '../auth/index.ts';
import { type TaskRequest, taskStages } from './tasks.ts';
import { type Decision, decisionId } from '../policy/index.ts';

/** The stage list, declared once, in order; these names appear in logs. */
export const STAGES = ['authenticate', 'resolve', 'authorize', 'approve', 'limit', 'audit-decision', 'forward', 'audit-outcome'] as const;
type StageName = (typeof STAGES)[number];

/**
 * Fail closed: an unexpected exception in a security stage becomes that stage's denial code,
 * with a message that says nothing of internals (the cause goes to the log only).
 */
const FAIL_CLOSED: Partial<Record<StageName, [ErrorCode, string]>> = {
  authenticate: ['AUTH_TOKEN_INVALID', 'Authentication failed'],
  authorize: ['POLICY_ERROR', 'Denied: policy evaluation failed'],
  approve: ['APPROVAL_UNAVAILABLE', 'Denied: the approval could not be asked for'],
  limit: ['INTERNAL', 'Denied: the limits could not be checked'],
  'audit-decision': ['AUDIT_UNAVAILABLE', 'Denied: the audit record could not be written'],
};


export interface ListRequest {
  kind: ListMethod;
  cursor: string | undefined;
  session: SessionInfo;
  requestId: string | number;
  token: string | undefined;
  /** W3C trace context from the transport (HTTP headers); `_meta` is read by the pipeline itself. */
  trace?: TraceCarrier;
}

export type SetLevelRequest = Pick<CallRequest, 'params' | 'session' | 'requestId' | 'token' | 'signal'>;

/** A request an upstream sends to the client (sampling/createMessage, elicitation/create, roots/list, ...). */
export interface ServerRequest {
  upstream: string;
  method: string;
  params: Record<string, unknown> | undefined;
  signal: AbortSignal;
}

/** A request the HTTP edge refused before the pipeline (SESSION_LIMIT at initialize). */
export type EdgeRefusal = Pick<CallRequest, 'session' | 'requestId' | 'token'> & { method: string };

export interface Pipeline {
  /** Records an edge refusal as a denial (authenticated when the token verifies); never throws. */
  refuse(request: EdgeRefusal, error: WardenError): Promise<void>;
  call(request: CallRequest): Promise<Result>;
  list(request: ListRequest): Promise<Page<Item>>;
  /** logging/setLevel: authorized like any request, then sent to every upstream that logs. */
  setLevel(request: SetLevelRequest): Promise<void>;
  /**
   * Server->client requests: decided by the policy in the name of the call that caused them
   * (input.method is theirs, input.upstream and input.call say who asks and why), recorded like a
   * call (decision row before the relay, outcome after), relayed to that call's client. A denial
   * answers the upstream with the error; the client never sees the request.
   */
  serverRequest(request: ServerRequest): Promise<Result>;
  /** The current catalog put to a principal's list questions, item by item (the console's Catalog page). */
  seenBy(principal: Principal): Promise<SeenItem[]>;
  /** What of each list `principal` may see now, asked as for `asked` (an old-era session's list_changed filter); records nothing. */
  views(principal: Principal | undefined, asked: { session: SessionInfo; requestId: string | number }): Promise<ListViews>;
  /** tasks/get, tasks/update, tasks/cancel (the tasks extension): for the task's owner only, decided and recorded like a call (tasks.ts). */
  task(request: TaskRequest): Promise<Result>;
  /** subscriptions/listen: authorized and recorded; the listener then filters what its caller hears (listen.ts). */
  listen(request: ListenRequest): Promise<Listener>;
}

const withTrace = (carrier: TraceCarrier | undefined): { trace?: TraceCarrier } => (carrier === undefined ? {} : { trace: carrier });

const NOT_FOUND = new Set<string>(['TOOL_NOT_FOUND', 'PROMPT_NOT_FOUND', 'RESOURCE_NOT_FOUND']);
const isNotFound = (error: unknown): error is WardenError => error instanceof WardenError && NOT_FOUND.has(error.code);

/**
 * A hidden name is answered after a visibility decision and a committed deny row; an unknown one
 * was answered at once, ~250 us sooner, which told them apart (issue 13, hole 3). The unknown
 * name now does the same work: the visibility question for a stand-in item of that name (its
 * answer cannot change the outcome) and a committed deny row with the not-found code.
 */
async function unknownLikeHidden(request: Authenticated, error: WardenError, deps: PipelineDeps): Promise<void> {
  const name = String(error.details?.name ?? error.details?.uri ?? '');
  const target: Target =
    error.code === 'RESOURCE_NOT_FOUND'
      ? { kind: 'resource', uri: name, upstream: '' }
      : { kind: error.code === 'TOOL_NOT_FOUND' ? 'tool' : 'prompt', entry: { publicName: name, upstream: '', originalName: name, item: { name }, notes: [] } };
  const decision = await visible(request, target, deps);
  await auditUnknownName(request, name, error.code, decision, deps);
}

type Refused = (ctx: Authorized, error: unknown) => Promise<never>;

/** The approved context, or the refusal recorded and thrown (an approval not given is a deny row). */
async function passed(verdict: Settled, refused: Refused): Promise<Authorized> {
  return verdict.approved ? verdict.context : refused(verdict.context, verdict.error);
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const log = deps.log.child({ component: 'pipeline' });
  const answered = new AnsweredQuestions();

  /** The list's entries with their pin status; quarantined ones are left out before the policy is asked. */
  const pinned = (kind: 'tool' | 'prompt', entries: readonly NamedEntry[]): Array<[Target, Item]> => {
    const integrity = deps.integrity;
    if (integrity === undefined) return entries.map((entry) => [{ kind, entry }, entry.item]);
    const targets: Array<[Target, Item]> = [];
    for (const entry of entries) {
      const pin = integrity.status(kind, entry.upstream, entry.originalName);
      if (pin === undefined) targets.push([{ kind, entry }, entry.item]);
      else if (pin.available) targets.push([{ kind, entry, pin }, entry.item]);
    }
    return targets;
  };

  async function stage<T>(name: StageName, run: () => T | Promise<T>, observed?: Observed): Promise<T> {
    try {
      return await (observed ? observed.stage(name, run) : run());
    } catch (error) {
      const failClosed = FAIL_CLOSED[name];
      if (failClosed === undefined) throw error;
      const [code, message] = failClosed;
      // audit-decision: any failure, typed or not, is AUDIT_UNAVAILABLE (contract of AuditSink).
      if (error instanceof WardenError && (name !== 'audit-decision' || error.code === code)) throw error;
      log.error({ stage: name, err: error }, 'stage failed; request denied');
      throw new WardenError(code, message, { cause: error });
    }
  }

  /** Forward with its client span: the upstream sees that span as the parent of its own work. */
  async function forwardTraced(recorded: Recorded, observed: Observed): Promise<Forwarded> {
    const span = observed.upstreamSpan(recorded.upstream, recorded.method);
    let forwarded: Forwarded;
    try {
      forwarded = await forward(recorded, deps, observed.trace.carrierFor(span));
      observed.upstreamEnded(span);
    } catch (error) {
      observed.upstreamEnded(span, error);
      throw error;
    }
    if (forwarded.questions !== undefined) await decideQuestions(recorded, forwarded.questions);
    return forwarded;
  }

  /**
   * A request an upstream makes of the caller, decided in the name of the call that carries it and
   * recorded (committed) before the caller may see it; a denial is recorded and thrown.
   */
  async function decideServerRequest(owner: InFlightCall, upstream: string, method: string, params: Record<string, unknown> | undefined): Promise<Decision> {
    const decision = await stage('authorize', () => deps.policy.evaluate(serverRequestInput(owner, upstream, method, params, deps.clock.now())));
    const decided = { upstream, method, params, owner, decision };
    if (decision.allow !== true) {
      await auditServerRequest(decided, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
      throw denialError(decision);
    }
    await stage('audit-decision', () => auditServerRequest(decided, deps));
    return decision;
  }

  /**
   * The questions inside a new-era upstream's input_required, each decided like the same request
   * sent the old era's way, so a policy on elicitation/create holds in both eras. One denied: the
   * call is denied (the upstream keeps no state to answer; its requestState goes nowhere). Each
   * allowed one's outcome: `input_asked` (its answer comes with the retry), or `cancelled` when
   * another one's denial withdrew it.
   */
  async function decideQuestions(recorded: Recorded, questions: Record<string, unknown>): Promise<void> {
    const owner = { session: recorded.session, requestId: recorded.requestId, call: recorded };
    const startedAt = deps.clock.now();
    const allowed: Decision[] = [];
    let denial: unknown;
    for (const question of Object.values(questions)) {
      const { method, params } = (typeof question === 'object' && question !== null ? question : {}) as { method?: unknown; params?: unknown };
      try {
        allowed.push(await decideServerRequest(owner, recorded.upstream, String(method), typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined));
      } catch (error) {
        denial = error;
        break;
      }
    }
    const done = { outcome: denial === undefined ? 'input_asked' : 'cancelled' } as const;
    for (const decision of allowed) {
      void stage('audit-outcome', () => auditOutcome({ decision, requestId: recorded.requestId, session: recorded.session, signal: recorded.signal, startedAt }, done, deps)).catch((error: unknown) =>
        log.error({ err: error, decisionId: decision.decisionId }, 'recording an outcome failed'),
      );
    }
    if (denial !== undefined) throw denial;
  }

  async function listStages(request: ListRequest, observed: Observed): Promise<Page<Item>> {
    const subject = await stage('authenticate', () => authenticate(request, deps), observed);
    const snapshot = deps.catalog.snapshot;
    const targets: Array<[Target, Item]> =
      request.kind === 'tools/list' ? pinned('tool', snapshot.toolList)
      : request.kind === 'prompts/list' ? pinned('prompt', snapshot.promptList)
      : request.kind === 'resources/list' ? snapshot.resourceList.map((r) => [{ kind: 'resource', uri: r.uri, upstream: r.upstream }, r.item])
      : snapshot.templateList.map((t) => [{ kind: 'resource', uri: t.uriTemplate, upstream: t.upstream }, t.item]);
    const decisions = await stage('authorize', () => Promise.all(targets.map(([target]) => visible(subject, target, deps))), observed);
    const allowed = targets.filter((_, i) => decisions[i]!.allow === true).map(([, item]) => item);
    const page = paginate(allowed, request.cursor, deps.pageSize);
    // What this caller was shown, committed before the answer leaves (issue 15): an investigator
    // asks "could alice see X at 10:42", and an answer with no row would be a hole in that record.
    await stage('audit-decision', () => auditShown(subject, request, page, deps), observed);
    return page;
  }

  async function callStages(request: CallRequest, observed: Observed): Promise<Result> {
    const authenticated = await stage('authenticate', () => authenticate(request, deps), observed);
    // A retry after input_required: its sealed state is checked before anything else, and a
    // refusal is recorded like a denial (nothing is forwarded).
    let continuation: Continuation | undefined;
    const refuseState = async (error: unknown): Promise<never> => {
      observed.denied();
      const decision = { allow: false, reasons: [(error as Error).message], decisionId: decisionId(), revision: deps.policy.revision };
      await auditEdgeRefusal({ ...authenticated, method: request.method }, asWardenError(error), decision, deps).catch((failure: unknown) => log.error({ err: failure }, 'recording a refusal failed'));
      throw error;
    };
    try {
      continuation = openContinuation(authenticated, deps.requestState.sealer, deps.clock.now());
    } catch (error) {
      await refuseState(error);
    }
    const found = await stage('resolve', () => resolve(authenticated, deps), observed).catch(async (error: unknown) => {
      if (isNotFound(error)) {
        observed.denied();
        await unknownLikeHidden(authenticated, error, deps).catch((failure: unknown) => log.error({ err: failure }, 'recording an unknown name failed'));
      }
      throw error;
    });
    let resolved = found;
    if (continuation !== undefined) {
      try {
        resolved = continueResolved(found, continuation);
        // A parked call (pending-input.ts) must be here, still waiting, for these arguments and fully answered.
        if (resolved.resumes !== undefined) deps.requestState.pending.check(resolved.resumes, argumentsDigest(resolved.upstreamParams), resolved.upstreamParams.inputResponses);
      } catch (error) {
        await refuseState(error);
      }
    }
    observed.target(resolved.target, resolved.upstream);
    const verdict = await stage('authorize', () => authorize(resolved, deps), observed);
    observed.decided(verdict.allowed ? verdict.context.decision : verdict.decision);
    if (!verdict.allowed) {
      await auditDenial(resolved, verdict.decision, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
      throw verdict.error;
    }
    // A refusal (an approval not given, a limit) is recorded like a denial, and committed before the caller hears it.
    const refused = async (ctx: Authorized, error: unknown): Promise<never> => {
      await auditRefusal(ctx, asWardenError(error), deps).catch((failure: unknown) => log.error({ err: failure }, 'recording a refusal failed'));
      throw error;
    };
    // Most calls need no approval: they skip the stage, its span and its timing altogether.
    let authorized = verdict.context;
    if (authorized.decision.approval !== undefined) {
      const approval = await stage('approve', () => approve(verdict.context, deps, answered), observed).catch((error: unknown) => refused(verdict.context, error));
      if ('asked' in approval) return askedInNewEra(approval.context, approval.asked, observed);
      authorized = await passed(approval, refused);
    }
    const release = await stage('limit', () => limit(authorized, deps), observed).catch((error: unknown) => refused(authorized, error));
    let recorded: Recorded;
    let done: Forwarded | { error: unknown };
    try {
      const bound = authorized.approval === undefined ? authorized : await passed(stillBound(authorized, deps), refused);
      recorded = await stage('audit-decision', () => auditDecision(bound, deps), observed);
      try {
        done = await stage(
          'forward',
          () =>
            recorded.upstream === COMPOSITE_SERVER
              ? runCompositeCall(recorded, deps, (step) => pipeline.call({ ...step, ...withTrace(observed.trace.carrierFor()) }))
              : forwardTraced(recorded, observed),
          observed,
        );
      } catch (error) {
        done = { error };
      }
    } finally {
      release();
    }
      // The answer does not wait for the outcome row's commit: the decision row already gated the
      // forward, and the store still writes the outcome after it. Waiting would put a second
      // group commit on every call's critical path (its effect was within noise on 2 busy cores).
      void stage('audit-outcome', () => auditOutcome(recorded, done, deps)).catch((error: unknown) =>
        log.error({ err: error, decisionId: recorded.decision.decisionId }, 'recording an outcome failed'),
      );
    if ('error' in done) throw done.error;
    return done.result;
  }

  /**
   * A new-era caller asked for an approval (stage approve): the question is an allow row with
   * the approval `asked` and an `approval_asked` outcome, committed before the caller gets the
   * input_required result; nothing is forwarded. The retry is a decision of its own naming this one.
   */
  async function askedInNewEra(ctx: Authorized, asked: Record<string, unknown>, observed: Observed): Promise<Result> {
    const recorded = await stage('audit-decision', () => auditDecision(ctx, deps), observed);
    void stage('audit-outcome', () => auditOutcome(recorded, { asked }, deps)).catch((error: unknown) =>
      log.error({ err: error, decisionId: recorded.decision.decisionId }, 'recording an outcome failed'),
    );
    return asked;
  }

  /** Runs `stages` under one request's span and metrics, ended with the result or the error. */
  async function observedRun<T>(observed: Observed, stages: (observed: Observed) => Promise<T>): Promise<T> {
    try {
      const result = await stages(observed);
      observed.end();
      return result;
    } catch (error) {
      observed.end(error);
      throw error;
    }
  }

  const pipeline: Pipeline = {
    async refuse(request, error) {
      const principal = await deps.authenticator.authenticate(request.token).catch(() => undefined);
      const decision = { allow: false, reasons: [error.message], decisionId: decisionId(), revision: deps.policy.revision };
      await auditEdgeRefusal({ ...request, principal, params: {} }, error, decision, deps).catch((failure: unknown) => log.error({ err: failure }, 'recording a refusal failed'));
    },

    call: (request) => observedRun(new Observed(request.method, request), (observed) => callStages(request, observed)),

    list: (request) => observedRun(new Observed(request.kind, request), (observed) => listStages(request, observed)),

    task: (request) => observedRun(new Observed(request.method, request), (observed) => taskStages(request, deps, (name, run) => stage(name, run, observed), observed, log)),

    seenBy: (principal) => seenBy(principal, deps),
    views: (principal, asked) => listViews(principal, deps, asked),
    listen: (request) => openListen(request, deps, log),
    async setLevel(request) {
      const level = LoggingLevelSchema.safeParse(request.params.level);
      if (!level.success) throw new WardenError('REQUEST_INVALID', 'params.level: expected a logging level', { details: { field: 'params.level' } });
      const subject = await stage('authenticate', () => authenticate(request, deps));
      const decision = await stage('authorize', () => deps.policy.evaluate(policyInput(subject, 'logging/setLevel', undefined, deps.clock.now())));
      const decided = { ...subject, method: 'logging/setLevel', decision };
      if (decision.allow !== true) {
        await auditGatewayDecision(decided, { level: request.params.level }, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
        throw denialError(decision);
      }
      await stage('audit-decision', () => auditGatewayDecision(decided, { level: request.params.level }, deps));
      const loggers = deps.upstreams.all().filter((c) => c.state === 'ready' && c.capabilities?.logging);
      const sentAt = deps.clock.now();
      // The client is told ok whatever an upstream answers (its level is the gateway's to keep);
      // the outcome row records the first upstream that refused.
      const failures = await Promise.all(
        loggers.map((c) =>
          c.request('logging/setLevel', { level: level.data }, { signal: request.signal }).then(
            () => undefined,
            (error: unknown) => {
              log.warn({ upstream: c.spec.name, err: error }, 'logging/setLevel failed upstream');
              return { error };
            },
          ),
        ),
      );
      const done = failures.find((failure) => failure !== undefined) ?? { result: {}, upstreamMs: deps.clock.now() - sentAt };
      void stage('audit-outcome', () => auditOutcome(decided, done, deps)).catch((error: unknown) =>
        log.error({ err: error, decisionId: decision.decisionId }, 'recording an outcome failed'),
      );
    },

    async serverRequest(request) {
      const owner = deps.inFlight.ownerOf(request.upstream);
      if (!owner) {
        log.warn({ upstream: request.upstream, method: request.method }, 'server request refused: no single client call in flight on this upstream');
        throw new WardenError('REQUEST_INVALID', `mcp-warden cannot tell which client ${request.method} is for`);
      }
      const startedAt = deps.clock.now();
      const decision = await decideServerRequest(owner, request.upstream, request.method, request.params);
      let done: { result: Result; upstreamMs: number } | { error: unknown };
      try {
        const result = await owner.session.channel.request(request.method, request.params, owner.requestId, AbortSignal.any([request.signal, owner.ended]));
        done = { result, upstreamMs: deps.clock.now() - startedAt };
      } catch (error) {
        done = { error };
      }
      const recorded = { decision, requestId: owner.requestId, session: owner.session, signal: request.signal, startedAt };
      void stage('audit-outcome', () => auditOutcome(recorded, done, deps)).catch((error: unknown) =>
        log.error({ err: error, decisionId: decision.decisionId }, 'recording an outcome failed'),
      );
      if ('error' in done) throw done.error;
      return done.result;
    },
  };
  return pipeline;
}
