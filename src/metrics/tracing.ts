import { ROOT_CONTEXT, type Attributes, type Context, type Span, SpanKind, type SpanOptions, SpanStatusCode, trace, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Traces through `@opentelemetry/api` only: without a registered TracerProvider (tracing-setup.ts
 * registers one when the config asks, or the operator does with `--import`) every span is the
 * API's non-recording span and nothing leaves the process.
 *
 * Attribute names follow the OpenTelemetry semantic conventions for MCP (`mcp.method.name`,
 * `gen_ai.tool.name`, `mcp.session.id`, `jsonrpc.request.id`, ...; span name
 * `{mcp.method.name} {target}`); the gateway's own are under `mcp_warden.*`. Trace context travels
 * as W3C `traceparent`/`tracestate`, in an HTTP header or in `params._meta` (the MCP conventions'
 * carrier), never arguments or principals.
 */
const propagator = new W3CTraceContextPropagator();

const INTERNAL: SpanOptions = Object.freeze({ kind: SpanKind.INTERNAL });

/** A `traceparent`/`tracestate` pair as it travels in `_meta` or in HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const getter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};
const setter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/** The trace context a client sent: the HTTP header wins over `_meta` (the transport's own word). */
export function carrierOf(header: TraceCarrier | undefined, meta: unknown): TraceCarrier | undefined {
  if (header?.traceparent !== undefined) return header;
  if (meta === null || typeof meta !== 'object') return undefined;
  const m = meta as Record<string, unknown>;
  if (!Object.hasOwn(m, 'traceparent') || typeof m.traceparent !== 'string') return undefined;
  return { traceparent: m.traceparent, ...(Object.hasOwn(m, 'tracestate') && typeof m.tracestate === 'string' ? { tracestate: m.tracestate } : {}) };
}

/** One request's span and its children (one per stage, one per upstream call). */
export class RequestTrace {
  readonly span: Span;
  readonly #context: Context;
  readonly #tracer: Tracer;

  constructor(name: string, carrier: TraceCarrier | undefined, attributes: Attributes) {
    // Asked per request, not once per process: the API's proxy tracer keeps the first provider it
    // saw, so a provider registered or removed later (config reload, the bench's on/off) would be ignored.
    this.#tracer = trace.getTracer('mcp-warden');
    // An invalid or absent traceparent extracts to the root context: a new trace starts here.
    const parent = carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, getter);
    this.span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    this.#context = trace.setSpan(parent, this.span);
  }

  get recording(): boolean {
    return this.span.isRecording();
  }

  /**
   * A child span, or undefined when nothing records (children of a non-recording span cost a start
   * and an end for nothing). A stage's is INTERNAL with no attributes: one options object serves them all.
   */
  child(name: string, options: SpanOptions = INTERNAL): Span | undefined {
    if (!this.span.isRecording()) return undefined;
    return this.#tracer.startSpan(name, options, this.#context);
  }

  /**
   * The context to send on, as the parent of the next hop: `span` when given (an upstream call's
   * client span), else the request's. With tracing off this is the client's own context, passed
   * through unchanged; undefined when there is none.
   */
  carrierFor(span?: Span): TraceCarrier | undefined {
    const carrier: TraceCarrier = {};
    propagator.inject(span ? trace.setSpan(this.#context, span) : this.#context, carrier, setter);
    return carrier.traceparent === undefined ? undefined : carrier;
  }

  end(error?: { code: string; message?: string }): void {
    if (error !== undefined) failed(this.span, error);
    this.span.end();
  }
}

/** Marks a span failed the way the conventions say: `error.type` and an ERROR status (no message: it may carry client data). */
export function failed(span: Span, error: { code: string }): void {
  span.setAttribute('error.type', error.code);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

