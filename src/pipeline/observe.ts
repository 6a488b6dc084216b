import { performance } from 'node:perf_hooks';
import { type Span, SpanKind } from '@opentelemetry/api';
import { WardenError } from '../errors.ts';
import { carrierOf, failed, metrics, RequestTrace, type TraceCarrier } from '../metrics/index.ts';
import type { Decision } from '../policy/index.ts';
import type { SessionInfo, Target } from './context.ts';

const codeOf = (error: unknown): string => (error instanceof WardenError ? error.code : 'INTERNAL');

/**
 * What one request reports while it runs through the pipeline: a metric per stage and one for the
 * whole request (method, decision, code), and a span per request with a child per stage and per
 * upstream call. Both are cheap when off: the metrics return at their first line, the spans are
 * the API's non-recording ones and children are not made at all.
 */
export class Observed {
  readonly trace: RequestTrace;
  readonly #method: string;
  readonly #started = performance.now();
  #decision: 'allow' | 'deny' | 'none' = 'none';

  constructor(method: string, request: { session: SessionInfo; requestId: string | number; params?: Record<string, unknown>; trace?: TraceCarrier }) {
    this.#method = method;
    const meta = request.params !== undefined && Object.hasOwn(request.params, '_meta') ? request.params._meta : undefined;
    this.trace = new RequestTrace(method, carrierOf(request.trace, meta), {
      'mcp.method.name': method,
      'mcp.session.id': request.session.id,
      'mcp.protocol.version': request.session.protocolVersion,
      'jsonrpc.request.id': String(request.requestId),
      'network.transport': request.session.transport === 'stdio' ? 'pipe' : 'tcp',
    });
  }

  /** Times one stage; its span fails with the stage's error code. */
  async stage<T>(name: string, run: () => T | Promise<T>): Promise<T> {
    const span = this.trace.child(name);
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      if (span) failed(span, { code: codeOf(error) });
      throw error;
    } finally {
      metrics.stage(name, (performance.now() - started) / 1000);
      span?.end();
    }
  }

  /** The client span of one upstream call, child of the request (undefined when nothing records). */
  upstreamSpan(upstream: string, method: string): Span | undefined {
    return this.trace.child(`${method} ${upstream}`, { kind: SpanKind.CLIENT, attributes: { 'mcp.method.name': method, 'mcp_warden.upstream': upstream } });
  }

  /** The request's target, once resolved: tool or prompt by its public name, resource by URI (span attributes only, never metric labels). */
  target(target: Target, upstream: string): void {
    if (!this.trace.recording) return;
    const span = this.trace.span;
    span.setAttribute('mcp_warden.upstream', upstream);
    if (target.kind === 'tool') {
      span.updateName(`${this.#method} ${target.entry.publicName}`);
      span.setAttributes({ 'gen_ai.tool.name': target.entry.publicName, 'gen_ai.operation.name': 'execute_tool' });
    } else if (target.kind === 'prompt') {
      span.updateName(`${this.#method} ${target.entry.publicName}`);
      span.setAttribute('gen_ai.prompt.name', target.entry.publicName);
    } else {
      span.setAttribute('mcp.resource.uri', target.uri);
    }
  }

  decided(decision: Decision): void {
    this.#decision = decision.allow === true ? 'allow' : 'deny';
    if (!this.trace.recording) return;
    this.trace.span.setAttributes({ 'mcp_warden.decision.id': decision.decisionId, 'mcp_warden.decision': this.#decision, 'mcp_warden.policy.revision': decision.revision });
  }

  /** A not-found answer was decided like a hidden name (pipeline.ts, hole 3): it counts as a denial. */
  denied(): void {
    this.#decision = 'deny';
  }

  end(error?: unknown): void {
    const code = error === undefined ? 'OK' : codeOf(error);
    metrics.request(this.#method, this.#decision, code, (performance.now() - this.#started) / 1000);
    this.trace.end(error === undefined ? undefined : { code });
  }
}
