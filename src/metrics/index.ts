/** The front door of metrics/: other modules import only this file (eslint.config.js). */
export { metrics, registry, setMetricsEnabled, setScrapeSources } from './metrics.ts';
export { startTracing } from './tracing-setup.ts';
export { RequestTrace, carrierOf, finishSpans, type ClientSpan, type TraceCarrier } from './tracing.ts';
