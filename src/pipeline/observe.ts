import { performance } from 'node:perf_hooks';
import { WardenError } from '../errors.ts';
import { carrierOf, type ClientSpan, metrics, RequestTrace, type TraceCarrier } from '../metrics/index.ts';
import type { Decision } from '../policy/index.ts';
import type { SessionInfo, Target } from './context.ts';

const codeOf = (error: unknown): string => (error instanceof WardenError ? error.code : 'INTERNAL');

/**
 * What one request reports while it runs through the pipeline: a metric per stage and one for the
 * whole request (method, decision, code), and a span per request with a child per stage and per
 * upstream call. On the call path a stage costs two clock reads shared by its metric and its span;
 * the stage spans and the request's attributes are made after the answer (tracing.ts). Both are
 * cheap when off: the metrics return at their first line, the request's span is the API's
 * non-recording one and nothing else is kept.
 */
export class Observed {
  readonly trace: RequestTrace;
  readonly #method: string;
  readonly #started = performance.now();
  #decision: 'allow' | 'deny' | 'none' = 'none';

  constructor(method: string, request: { session: SessionInfo; requestId: string | number; params?: Record<string, unknown>; trace?: TraceCarrier }) {
    this.#method = method;
    const meta = request.params !== undefined && Object.hasOwn(request.params, '_meta') ? request.params._meta : undefined;
    this.trace = new RequestTrace(
      method,
      carrierOf(request.trace, meta),
      {
        'mcp.method.name': method,
        'mcp.session.id': request.session.id,
        'mcp.protocol.version': request.session.protocolVersion,
        'jsonrpc.request.id': String(request.requestId),
        'network.transport': request.session.transport === 'stdio' ? 'pipe' : 'tcp',
      },
      this.#started,
    );
  }

  /** Times one stage; its span fails with the stage's error code. */
  async stage<T>(name: string, run: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    let code: string | undefined;
    try {
      return await run();
    } catch (error) {
      code = codeOf(error);
      throw error;
    } finally {
      const ended = performance.now();
      metrics.stage(name, (ended - started) / 1000);
      this.trace.stage(name, started, ended, code);
    }
  }

  /** The client span of one upstream call, child of the request (undefined when nothing records). */
  upstreamSpan(upstream: string, method: string): ClientSpan | undefined {
    return this.trace.client(`${method} ${upstream}`, { 'mcp.method.name': method, 'mcp_warden.upstream': upstream });
  }

  /** The upstream call of `span` is over; `error` failed it. */
  upstreamEnded(span: ClientSpan | undefined, error?: unknown): void {
    this.trace.clientEnded(span, error === undefined ? undefined : codeOf(error));
  }

  /** The request's target, once resolved: tool or prompt by its public name, resource by URI (span attributes only, never metric labels). */
  target(target: Target, upstream: string): void {
    if (!this.trace.recording) return;
    if (target.kind === 'tool') {
      const name = target.entry.publicName;
      this.trace.describe({ 'mcp_warden.upstream': upstream, 'gen_ai.tool.name': name, 'gen_ai.operation.name': 'execute_tool' }, `${this.#method} ${name}`);
    } else if (target.kind === 'prompt') {
      const name = target.entry.publicName;
      this.trace.describe({ 'mcp_warden.upstream': upstream, 'gen_ai.prompt.name': name }, `${this.#method} ${name}`);
    } else {
      this.trace.describe({ 'mcp_warden.upstream': upstream, 'mcp.resource.uri': target.uri });
    }
  }

  decided(decision: Decision): void {
    this.#decision = decision.allow === true ? 'allow' : 'deny';
    this.trace.describe({ 'mcp_warden.decision.id': decision.decisionId, 'mcp_warden.decision': this.#decision, 'mcp_warden.policy.revision': decision.revision });
  }

  /** A not-found answer was decided like a hidden name (pipeline.ts, hole 3): it counts as a denial. */
  denied(): void {
    this.#decision = 'deny';
  }

  end(error?: unknown): void {
    const ended = performance.now();
    const code = error === undefined ? 'OK' : codeOf(error);
    metrics.request(this.#method, this.#decision, code, (ended - this.#started) / 1000);
    this.trace.end(ended, error === undefined ? undefined : { code });
  }
}
