import { performance } from 'node:perf_hooks';
import { type Attributes, type Context, diag, type HrTime, ROOT_CONTEXT, type Span, SpanKind, type SpanOptions, SpanStatusCode, trace, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
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

/** A failed span's status: no message, it may carry client data. */
const ERROR = Object.freeze({ code: SpanStatusCode.ERROR });

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

/**
 * A timestamp of `performance.now()` as the SDK's HrTime (epoch seconds, nanoseconds). Every span
 * of a request gets explicit times from this one clock: the SDK's own start time is `Date.now()`,
 * whole milliseconds, which would put a child recorded with microseconds before its parent.
 */
const ORIGIN_S = Math.trunc(performance.timeOrigin / 1000);
const ORIGIN_NS = Math.round((performance.timeOrigin - ORIGIN_S * 1000) * 1e6);
function hrTimeOf(at: number): HrTime {
  const ns = ORIGIN_NS + Math.round(at * 1e6);
  const s = Math.floor(ns / 1e9);
  return [ORIGIN_S + s, ns - s * 1e9];
}

/**
 * Requests whose spans are still to be made, and the one `setImmediate` that makes them. It runs
 * after the poll phase in which the answer was written, so the stage spans cost the next idle
 * moment, not the caller's wait (bench/telemetry.bench.ts; the CPU is the same, and counted there).
 */
const finishing: Array<() => void> = [];
function finishLater(finish: () => void): void {
  if (finishing.push(finish) === 1) setImmediate(finishSpans);
}

/** Makes and ends every span still waiting; tracing-setup.ts calls it before the provider shuts down. */
export function finishSpans(): void {
  for (const finish of finishing.splice(0)) {
    try {
      finish();
    } catch (error) {
      // A span that cannot be made is lost, never the process.
      diag.error('mcp-warden: finishing a request trace failed', error);
    }
  }
}

/**
 * One request's span and its children (one per stage, one per upstream call). Only the spans whose
 * context travels are made while the request runs: the request's (the parent of everything, sent
 * on to composite steps) and an upstream call's (the parent the upstream sees). A stage is four
 * values pushed on an array; its span is made after the answer, with the times it was measured at,
 * like the request's attributes and ends.
 */
export class RequestTrace {
  readonly #span: Span;
  readonly #context: Context;
  readonly #tracer: Tracer;
  /** Cached: the span itself stops recording once ended. */
  readonly recording: boolean;
  /** name, start, end, error code (or undefined) of each stage, flat, in the order they ended. */
  readonly #stages: Array<string | number | undefined> = [];
  #client: { span: Span; end: number; code: string | undefined } | undefined;
  #name: string | undefined;
  #attributes: Attributes | undefined;

  /** `startedAt` is `performance.now()` when the request arrived. */
  constructor(name: string, carrier: TraceCarrier | undefined, attributes: Attributes, startedAt: number) {
    // Asked per request, not once per process: the API's proxy tracer keeps the first provider it
    // saw, so a provider registered or removed later (config reload, the bench's on/off) would be ignored.
    this.#tracer = trace.getTracer('mcp-warden');
    // An invalid or absent traceparent extracts to the root context: a new trace starts here.
    const parent = carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, getter);
    this.#span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: hrTimeOf(startedAt) }, parent);
    this.#context = trace.setSpan(parent, this.#span);
    this.recording = this.#span.isRecording();
  }

  /** A stage that ran from `start` to `end` (`performance.now()`), failed with `code` if given. */
  stage(name: string, start: number, end: number, code?: string): void {
    if (this.recording) this.#stages.push(name, start, end, code);
  }

  /** Attributes and a new name for the request's span, set when it ends. */
  describe(attributes: Attributes, name?: string): void {
    if (!this.recording) return;
    this.#attributes = this.#attributes === undefined ? attributes : Object.assign(this.#attributes, attributes);
    if (name !== undefined) this.#name = name;
  }

  /** The client span of an upstream call, made now (its context travels); undefined when nothing records. */
  client(name: string, attributes: Attributes): Span | undefined {
    if (!this.recording) return undefined;
    return this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime: hrTimeOf(performance.now()) }, this.#context);
  }

  /** The upstream call of `span` answered (or failed with `code`); the span ends with the request's. */
  clientEnded(span: Span | undefined, code?: string): void {
    if (span !== undefined) this.#client = { span, end: performance.now(), code };
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

  /** The request was answered at `at` (`performance.now()`); its spans are made after the answer. */
  end(at: number, error?: { code: string }): void {
    if (this.recording) finishLater(() => this.#finish(at, error));
  }

  #finish(at: number, error: { code: string } | undefined): void {
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i += 4) {
      const code = stages[i + 3] as string | undefined;
      const startTime = hrTimeOf(stages[i + 1] as number);
      const options: SpanOptions = code === undefined ? { kind: SpanKind.INTERNAL, startTime } : { kind: SpanKind.INTERNAL, startTime, attributes: { 'error.type': code } };
      const span = this.#tracer.startSpan(stages[i] as string, options, this.#context);
      if (code !== undefined) span.setStatus(ERROR);
      span.end(hrTimeOf(stages[i + 2] as number));
    }
    const client = this.#client;
    if (client !== undefined) {
      if (client.code !== undefined) failed(client.span, { code: client.code });
      client.span.end(hrTimeOf(client.end));
    }
    if (this.#name !== undefined) this.#span.updateName(this.#name);
    if (this.#attributes !== undefined) this.#span.setAttributes(this.#attributes);
    if (error !== undefined) failed(this.#span, error);
    this.#span.end(hrTimeOf(at));
  }
}

/** Marks a span failed the way the conventions say: `error.type` and an ERROR status (no message: it may carry client data). */
function failed(span: Span, error: { code: string }): void {
  span.setAttribute('error.type', error.code);
  span.setStatus(ERROR);
}

