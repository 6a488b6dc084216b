import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  type Context,
  diag,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SamplingDecision,
  type Span,
  SpanKind,
  type SpanContext,
  type SpanOptions,
  trace,
  TraceFlags,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { IdGenerator, Sampler } from '@opentelemetry/sdk-trace-base';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { emit, FAILED, FinishedSpan, hrTimeOf, OK, type SpanOutlet } from './finished-span.ts';
import { parseTraceParent, traceParentOf } from './traceparent.ts';

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

/** A `traceparent`/`tracestate` pair as it travels in `_meta` or in HTTP headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const setter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent') carrier.traceparent = value;
    else if (key === 'tracestate') carrier.tracestate = value;
  },
};

/** What goes on to the next hop: `traceparent` (version 00), and `tracestate` when there is one. */
function sentOn(traceId: string, spanId: string, flags: TraceFlags, tracestate: string | undefined): TraceCarrier {
  const traceparent = traceParentOf(traceId, spanId, flags);
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The trace context a client sent: the HTTP header wins over `_meta` (the transport's own word). */
export function carrierOf(header: TraceCarrier | undefined, meta: unknown): TraceCarrier | undefined {
  if (header?.traceparent !== undefined) return header;
  if (meta === null || typeof meta !== 'object') return undefined;
  const m = meta as Record<string, unknown>;
  if (!Object.hasOwn(m, 'traceparent') || typeof m.traceparent !== 'string') return undefined;
  return { traceparent: m.traceparent, ...(Object.hasOwn(m, 'tracestate') && typeof m.tracestate === 'string' ? { tracestate: m.tracestate } : {}) };
}

/**
 * Requests answered whose spans are still to be made. They are made in batches of up to
 * `FINISH_BATCH` requests per turn of the event loop: when that many wait (setImmediate), or
 * `FINISH_WAIT_MS` after the first one (an unref'd timer, so a quiet gateway still exports them).
 * Made one request at a time, right after each answer, they cost more CPU (each request's spans
 * made with cold caches: in bench/telemetry.bench.ts the CPU added by tracing fell from ~100-125
 * to ~45-75 µs per call with batches) and they ran in the gap before a sequential caller's next
 * request, where on these machines any CPU spent delays that request's upstream round trip (the
 * bench's "busy gap" row). A batch takes ~0.3-0.5 ms (16 requests x 8 spans); a request arriving
 * during one waits that long.
 */
export const FINISH_BATCH = 16;
const FINISH_WAIT_MS = 20;
/**
 * The answered requests themselves, not a closure each: a closure per request is an allocation,
 * and under tsx (a checkout) esbuild's keepNames also names each one with a `defineProperty`.
 */
const finishing: RequestTrace[] = [];
/** The method that makes an answered request's spans: a symbol, so only this module's batches call it. */
const makeSpans = Symbol('makeSpans');
let finishTimer: NodeJS.Timeout | undefined;

function finishLater(answered: RequestTrace): void {
  const waiting = finishing.push(answered);
  if (waiting === 1) {
    finishTimer = setTimeout(finishBatch, FINISH_WAIT_MS);
    finishTimer.unref();
  } else if (waiting === FINISH_BATCH) {
    setImmediate(finishBatch);
  }
}

/** One batch; what is left (answers that came in meanwhile) waits for the next turn, so no single turn makes more than a batch. */
function finishBatch(): void {
  clearTimeout(finishTimer);
  finishTimer = undefined;
  finish(finishing.splice(0, FINISH_BATCH));
  if (finishing.length >= FINISH_BATCH) setImmediate(finishBatch);
  else if (finishing.length > 0) {
    finishTimer = setTimeout(finishBatch, FINISH_WAIT_MS);
    finishTimer.unref();
  }
}

/** Makes and ends every span still waiting; tracing-setup.ts calls it before the provider shuts down. */
export function finishSpans(): void {
  clearTimeout(finishTimer);
  finishTimer = undefined;
  finish(finishing.splice(0));
}

function finish(batch: readonly RequestTrace[]): void {
  for (const answered of batch) {
    try {
      answered[makeSpans]();
    } catch (error) {
      // A span that cannot be made is lost, never the process.
      diag.error('mcp-warden: finishing a request trace failed', error);
    }
  }
}

/**
 * What a provider from `tracerProvider` lets the call path know without making a span: its
 * sampler and its ids, and after the answer where its spans go.
 */
interface Deferrable {
  readonly sampler: Sampler;
  readonly ids: IdGenerator;
  readonly outlet: SpanOutlet;
}
const deferrable = new WeakMap<TracerProvider, Deferrable>();

/**
 * tracing-setup.ts: `provider` samples with `sampler`, a parent-based sampler of the SDK that adds
 * no attributes and no trace state, and hands spans to `outlet`; its requests' spans can all be
 * made after the answer, with ids from `ids`.
 */
export function registerDeferrable(provider: TracerProvider, sampler: Sampler, ids: IdGenerator, outlet: SpanOutlet): void {
  deferrable.set(provider, { sampler, ids, outlet });
}

/** What the API answers while no provider is registered: its no-op provider. */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();

/** A request of a deferrable provider: its ids, chosen on the call path, its spans made after the answer. */
interface Deferred {
  readonly known: Deferrable;
  readonly traceId: string;
  /** Drawn when first needed: most requests send on only their upstream call's id. */
  spanId: string | undefined;
  readonly flags: TraceFlags;
  readonly traceState: TraceState | undefined;
}

/** The provider registered with the API now (a config reload, the bench's on/off may change it). */
function currentProvider(): TracerProvider {
  const global = trace.getTracerProvider();
  return global instanceof ProxyTracerProvider ? global.getDelegate() : global;
}

/** An upstream call's client span: made at once (`span`) or, for a deferrable provider, after the answer with the id it travelled with (`spanId`). */
export interface ClientSpan {
  readonly name: string;
  readonly attributes: Attributes;
  readonly start: number;
  readonly span?: Span;
  readonly spanId?: string;
  end?: number;
  code?: string | undefined;
}

/**
 * One request's span and its children (one per stage, one per upstream call).
 *
 * With a provider from `tracerProvider` (what `tracing.otlp_url` registers) nothing of the SDK
 * runs on the call path: the request's trace id, span id and sampling decision come from that
 * provider's own id generator and sampler, the upstream call's span id likewise, and `traceparent`
 * is written from them. Every span is made after the answer with those ids and the times measured
 * on the way (a stage is four values pushed on an array), as a finished span handed straight to
 * the provider's processors (finished-span.ts).
 *
 * With another provider (an operator's own SDK, registered with `node --import`) the spans whose
 * context travels are made while the request runs: the request's (the parent of everything, sent
 * on to composite steps) and an upstream call's (the parent the upstream sees). The rest waits
 * for the answer as above.
 */
export class RequestTrace {
  readonly #name: string;
  readonly #attributes: Attributes;
  readonly #startedAt: number;
  /** The client's context, or the root context: a new trace starts here. */
  readonly #parent: Context;
  /** Set for a deferrable provider: the request's ids, chosen now, its spans made after the answer. */
  readonly #deferred: Deferred | undefined;
  /** Made at once for another provider, by its tracer. */
  readonly #tracer: Tracer | undefined;
  readonly #span: Span | undefined;
  readonly #context: Context | undefined;
  /** Tracing off: the client's context, sent on as the next hop's parent. */
  readonly #passOn: TraceCarrier | undefined;
  /** Cached: the span itself stops recording once ended. */
  readonly recording: boolean;
  /** name, start, end, error code (or undefined) of each stage, flat, in the order they ended. */
  readonly #stages: Array<string | number | undefined> = [];
  #client: ClientSpan | undefined;
  #rename: string | undefined;
  #late: Attributes | undefined;
  /** When and how the request was answered (end). */
  #endedAt = 0;
  #error: { code: string } | undefined;

  /** `startedAt` is `performance.now()` when the request arrived. */
  constructor(name: string, carrier: TraceCarrier | undefined, attributes: Attributes, startedAt: number) {
    this.#name = name;
    this.#attributes = attributes;
    this.#startedAt = startedAt;
    // An invalid traceparent is no parent; a tracestate comes only with a valid one, parsed so
    // that entries the spec does not allow are dropped.
    const client = carrier?.traceparent === undefined ? undefined : parseTraceParent(carrier.traceparent);
    const traceState = client !== undefined && carrier!.tracestate ? new TraceState(carrier!.tracestate) : undefined;
    // Asked per request, not once per process: a provider registered or removed later (config
    // reload, the bench's on/off) must be the one used.
    const provider = currentProvider();
    if (provider === NO_PROVIDER) {
      // Tracing off: no span, not even the API's non-recording one; the client's context goes on.
      this.recording = false;
      this.#parent = ROOT_CONTEXT;
      this.#passOn = client === undefined ? undefined : sentOn(client.traceId, client.spanId, client.flags, traceState?.serialize());
      return;
    }
    this.#parent =
      client === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, { traceId: client.traceId, spanId: client.spanId, traceFlags: client.flags, isRemote: true, ...(traceState === undefined ? {} : { traceState }) });
    const known = deferrable.get(provider);
    if (known !== undefined) {
      const traceId = client?.traceId ?? known.ids.generateTraceId();
      // Asked once: the spans are made from this decision after the answer (finished-span.ts).
      const decision = known.sampler.shouldSample(this.#parent, traceId, name, SpanKind.SERVER, attributes, []).decision;
      this.recording = decision !== SamplingDecision.NOT_RECORD;
      this.#deferred = { known, traceId, spanId: undefined, flags: decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE, traceState };
    } else {
      const tracer = provider.getTracer('mcp-warden');
      this.#tracer = tracer;
      this.#span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: hrTimeOf(startedAt) }, this.#parent);
      this.#context = trace.setSpan(this.#parent, this.#span);
      this.recording = this.#span.isRecording();
    }
  }

  /** A stage that ran from `start` to `end` (`performance.now()`), failed with `code` if given. */
  stage(name: string, start: number, end: number, code?: string): void {
    if (this.recording) this.#stages.push(name, start, end, code);
  }

  /** Attributes and a new name for the request's span, set when it ends. */
  describe(attributes: Attributes, name?: string): void {
    if (!this.recording) return;
    this.#late = this.#late === undefined ? attributes : Object.assign(this.#late, attributes);
    if (name !== undefined) this.#rename = name;
  }

  /** The client span of an upstream call, starting now; undefined when nothing records. */
  client(name: string, attributes: Attributes): ClientSpan | undefined {
    if (!this.recording) return undefined;
    const start = performance.now();
    const deferred = this.#deferred;
    if (deferred !== undefined) return { name, attributes, start, spanId: deferred.known.ids.generateSpanId() };
    return { name, attributes, start, span: this.#tracer!.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime: hrTimeOf(start) }, this.#context) };
  }

  /** The upstream call of `span` answered (or failed with `code`); the span ends with the request's. */
  clientEnded(span: ClientSpan | undefined, code?: string): void {
    if (span === undefined) return;
    span.end = performance.now();
    span.code = code;
    this.#client = span;
  }

  /**
   * The context to send on, as the parent of the next hop: `span` when given (an upstream call's
   * client span), else the request's. With tracing off this is the client's own context, passed
   * through unchanged; undefined when there is none.
   */
  carrierFor(span?: ClientSpan): TraceCarrier | undefined {
    const deferred = this.#deferred;
    if (deferred !== undefined) return sentOn(deferred.traceId, span?.spanId ?? this.#ownSpanId(deferred), deferred.flags, deferred.traceState?.serialize());
    if (this.#context === undefined) return this.#passOn;
    const carrier: TraceCarrier = {};
    propagator.inject(span?.span ? trace.setSpan(this.#context, span.span) : this.#context, carrier, setter);
    return carrier.traceparent === undefined ? undefined : carrier;
  }

  /** The request was answered at `at` (`performance.now()`); its spans are made after the answer. */
  end(at: number, error?: { code: string }): void {
    if (!this.recording) return;
    this.#endedAt = at;
    this.#error = error;
    finishLater(this);
  }

  /** A deferred request's own span id, drawn when first needed. */
  #ownSpanId(deferred: Deferred): string {
    return (deferred.spanId ??= deferred.known.ids.generateSpanId());
  }

  /** Makes the answered request's spans (a batch calls it, after the answer). */
  [makeSpans](): void {
    if (this.#deferred !== undefined) this.#finishDeferred(this.#deferred, this.#endedAt, this.#error);
    else this.#finishMade(this.#endedAt, this.#error);
  }

  /** A deferrable provider's request: every span made now, as the exporter reads them (finished-span.ts). */
  #finishDeferred(deferred: Deferred, at: number, error: { code: string } | undefined): void {
    const { outlet, ids } = deferred.known;
    const own: SpanContext = { traceId: deferred.traceId, spanId: this.#ownSpanId(deferred), traceFlags: deferred.flags, traceState: deferred.traceState };
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i += 4) {
      const code = stages[i + 3] as string | undefined;
      const context = childOf(own, ids.generateSpanId());
      emit(outlet, new FinishedSpan(outlet, stages[i] as string, SpanKind.INTERNAL, context, own, stages[i + 1] as number, stages[i + 2] as number, code === undefined ? NO_ATTRIBUTES : { 'error.type': code }, code === undefined ? OK : FAILED));
    }
    const client = this.#client;
    if (client !== undefined) {
      const attributes = client.code === undefined ? client.attributes : { ...client.attributes, 'error.type': client.code };
      emit(outlet, new FinishedSpan(outlet, client.name, SpanKind.CLIENT, childOf(own, client.spanId!), own, client.start, client.end!, attributes, client.code === undefined ? OK : FAILED));
    }
    const parent = trace.getSpanContext(this.#parent);
    // Every value is a string the gateway chose (observe.ts), so there is nothing for the SDK's
    // sanitizeAttributes to drop: it would only copy the object once more.
    const attributes = { ...this.#attributes, ...this.#late, ...(error === undefined ? {} : { 'error.type': error.code }) };
    emit(outlet, new FinishedSpan(outlet, this.#rename ?? this.#name, SpanKind.SERVER, own, parent, this.#startedAt, at, attributes, error === undefined ? OK : FAILED));
  }

  /** Another provider's request: its own and its upstream call's spans were made on the way; the stages' now. */
  #finishMade(at: number, error: { code: string } | undefined): void {
    const tracer = this.#tracer!;
    const span = this.#span!;
    const context = this.#context!;
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i += 4) {
      const code = stages[i + 3] as string | undefined;
      const startTime = hrTimeOf(stages[i + 1] as number);
      const options: SpanOptions = code === undefined ? { kind: SpanKind.INTERNAL, startTime } : { kind: SpanKind.INTERNAL, startTime, attributes: { 'error.type': code } };
      const stage = tracer.startSpan(stages[i] as string, options, context);
      if (code !== undefined) stage.setStatus(FAILED);
      stage.end(hrTimeOf(stages[i + 2] as number));
    }
    const client = this.#client;
    if (client?.span !== undefined) {
      if (client.code !== undefined) failed(client.span, { code: client.code });
      client.span.end(hrTimeOf(client.end!));
    }
    if (this.#rename !== undefined) span.updateName(this.#rename);
    if (this.#late !== undefined) span.setAttributes(this.#late);
    if (error !== undefined) failed(span, error);
    span.end(hrTimeOf(at));
  }
}

/** Marks a span failed the way the conventions say: `error.type` and an ERROR status (no message: it may carry client data). */
function failed(span: Span, error: { code: string }): void {
  span.setAttribute('error.type', error.code);
  span.setStatus(FAILED);
}

/** A stage's attributes when it succeeded: none, one frozen object for all of them. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** The context of a child span of `own`: the same trace, flags and state, its own id. */
function childOf(own: SpanContext, spanId: string): SpanContext {
  return { traceId: own.traceId, spanId, traceFlags: own.traceFlags, traceState: own.traceState };
}
