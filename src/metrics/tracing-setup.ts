import { trace } from '@opentelemetry/api';
import { finishSpans } from './tracing.ts';

/** What `tracing` in the config asks for (config/schema.ts). */
interface TracingSetup {
  otlp_url?: string | undefined;
  headers: Readonly<Record<string, string>>;
  service_name: string;
  sample_ratio: number;
}

/**
 * Registers an OpenTelemetry SDK that batches spans to an OTLP/HTTP collector. Loaded only when
 * the config names an endpoint (the SDK costs start-up time nobody else should pay); returns the
 * shutdown that flushes what is buffered (spans still to be made, then the batch). Sampling is parent-based: a client's sampled flag is
 * followed, new traces are kept at `sample_ratio`.
 */
export async function startTracing(setup: TracingSetup): Promise<() => Promise<void>> {
  if (setup.otlp_url === undefined) return async () => {};
  const [{ BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new BasicTracerProvider({
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
