import { trace } from '@opentelemetry/api';
import type { BasicTracerProvider, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import { PooledIds } from './span-ids.ts';
import { finishSpans, registerDeferrable } from './tracing.ts';

/** What `tracing` in the config asks for (config/schema.ts). */
interface TracingSetup {
  otlp_url?: string | undefined;
  headers: Readonly<Record<string, string>>;
  service_name: string;
  sample_ratio: number;
  protocol: 'http/protobuf' | 'http/json';
}

/**
 * An SDK provider whose requests cost the call path no SDK span (tracing.ts, RequestTrace): built
 * with an id generator and a sampler that tracing.ts may ask on the call path, so a request's ids
 * and sampling decision are known before its spans are made, after the answer, and handed to the
 * same span processors (finished-span.ts). The default sampler is the SDK's: parent-based, every
 * new trace recorded. Not registered: the caller does that.
 */
export async function tracerProvider(options: { spanProcessors: SpanProcessor[]; sampler?: Sampler; resource?: Resource }): Promise<BasicTracerProvider> {
  const [{ AlwaysOnSampler, BasicTracerProvider, ParentBasedSampler }, { defaultResource }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  const sampler = options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() });
  const ids = new PooledIds();
  // The provider's own resource, as it chooses it (the given one, else the default), so that its
  // spans and the request spans tracing.ts makes without it name the same service.
  const resource = options.resource ?? defaultResource();
  const provider = new BasicTracerProvider({ resource, sampler, idGenerator: ids, spanProcessors: options.spanProcessors });
  registerDeferrable(provider, sampler, ids, { resource, scope: { name: 'mcp-warden' }, processors: options.spanProcessors });
  return provider;
}

/**
 * Registers an OpenTelemetry SDK that batches spans to an OTLP/HTTP collector, in protobuf unless
 * the config asks for JSON. Loaded only when the config has a `tracing` section that names an
 * endpoint (the SDK costs start-up time nobody else should pay); returns the shutdown that flushes
 * what is buffered (spans still to be made, then the batch). Sampling is parent-based: a client's
 * sampled flag is followed, new traces are kept at `sample_ratio`.
 */
export async function startTracing(setup: TracingSetup | undefined): Promise<() => Promise<void>> {
  if (setup?.otlp_url === undefined) return async () => {};
  // Serialising one request's eight spans took 35-38 µs as JSON (most of it Node 20's
  // TextEncoder on the whole body) and 10-15 µs as protobuf, for 3.6 times fewer bytes (2026-12-07).
  const [{ BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    setup.protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
  ]);
  const provider = await tracerProvider({
    resource: resourceFromAttributes({ 'service.name': setup.service_name }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(setup.sample_ratio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: setup.otlp_url, headers: { ...setup.headers } }))],
  });
  trace.setGlobalTracerProvider(provider);
  return async () => {
    // The stage spans of the last answered requests are made on the next turn of the loop: make them now.
    finishSpans();
    await provider.shutdown();
    trace.disable();
  };
}
