/**
 * What metrics and tracing cost per call, on and off in one run (issue 13: together at most 10 µs
 * p50). The gateway runs in this process (the real pipeline over an allow-all policy and an
 * in-memory audit sink) in front of the stdio fixture upstream; `pipeline.call` is called directly
 * so no client transport blurs the difference. "On" is the Prometheus registry recording and an
 * OpenTelemetry SDK recording every span into a batch processor (its exporter drops the batches:
 * exporting happens off the call path). Slices of on and off calls alternate, so a burst of load
 * from elsewhere hits both. Reported: p50/p99 per call, the difference of the p50s, this process's
 * CPU per call (the upstream is another process), and the telemetry alone (one request's spans
 * and metrics, no upstream) timed in a tight loop.
 */
import { trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { setMetricsEnabled } from '../src/metrics/metrics.ts';
import type { SessionInfo } from '../src/pipeline/context.ts';
import { Observed } from '../src/pipeline/observe.ts';
import { relayServer } from '../testkit/fixtures/spawn.ts';
import { startTestGateway } from '../testkit/support/gateway.ts';

const ROUNDS = 20;
const SLICE = 250;
const WARMUP = 3_000;

const dropping: SpanExporter = {
  export: (_spans: ReadableSpan[], done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });

function telemetry(on: boolean, parts: { metrics: boolean; tracing: boolean } = { metrics: on, tracing: on }): void {
  setMetricsEnabled(parts.metrics);
  trace.disable();
  if (parts.tracing) trace.setGlobalTracerProvider(provider);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)]!;

const gw = await startTestGateway({ config: { mcpServers: { sink: relayServer('sink') } } });
try {
  const session: SessionInfo = { id: 'bench', transport: 'stdio', protocolVersion: '2025-11-25', channel: { request: async () => ({}) } };
  let id = 0;
  const call = () =>
    gw.gateway.pipeline.call({ method: 'tools/call', params: { name: 'sink__echo', arguments: { message: 'hello' } }, session, requestId: ++id, token: 'token-alice', signal: new AbortController().signal });
  for (let deadline = Date.now() + 30_000; !gw.gateway.catalog.snapshot.tools.has('sink__echo'); ) {
    if (Date.now() > deadline) throw new Error('the fixture upstream did not connect');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  for (let i = 0; i < WARMUP; i++) {
    telemetry(i % 2 === 0);
    await call();
  }
  const samples = { on: [] as number[], off: [] as number[] };
  const cpu = { on: 0, off: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      telemetry(mode === 'on');
      const cpuBefore = process.cpuUsage();
      for (let i = 0; i < SLICE; i++) {
        const start = process.hrtime.bigint();
        await call();
        samples[mode].push(Number(process.hrtime.bigint() - start) / 1000);
      }
      const used = process.cpuUsage(cpuBefore);
      cpu[mode] += used.user + used.system;
    }
  }

  // The telemetry alone: one request's span, five stage spans, an upstream span and the metrics.
  const stages = ['authenticate', 'resolve', 'authorize', 'audit-decision', 'forward'];
  const alone = async (metrics: boolean, tracing: boolean): Promise<number> => {
    telemetry(false, { metrics, tracing });
    const n = 20_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const observed = new Observed('tools/call', { session, requestId: i, params: {} });
      for (const stage of stages) await observed.stage(stage, () => undefined);
      observed.upstreamSpan('sink', 'tools/call')?.end();
      observed.end();
    }
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const best = async (metrics: boolean, tracing: boolean) => Math.min(await alone(metrics, tracing), await alone(metrics, tracing), await alone(metrics, tracing));
  await alone(true, true);
  const aloneOff = await best(false, false);
  const aloneMetrics = await best(true, false);
  const aloneTracing = await best(false, true);
  const aloneBoth = await best(true, true);
  telemetry(false);

  const calls = ROUNDS * SLICE / 2;
  const rows = [
    ['metrics + tracing', 'p50', 'p99', 'CPU/call (this process)'],
    ['off', `${median(samples.off).toFixed(1)} µs`, `${p99(samples.off).toFixed(1)} µs`, `${(cpu.off / calls).toFixed(1)} µs`],
    ['on', `${median(samples.on).toFixed(1)} µs`, `${p99(samples.on).toFixed(1)} µs`, `${(cpu.on / calls).toFixed(1)} µs`],
    ['on - off', `${(median(samples.on) - median(samples.off)).toFixed(1)} µs`, '', `${((cpu.on - cpu.off) / calls).toFixed(1)} µs`],
    ['telemetry alone: off / metrics / tracing / both', `${[aloneOff, aloneMetrics, aloneTracing, aloneBoth].map((v) => v.toFixed(2)).join(' / ')} µs`, '', ''],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
  process.stdout.write(`(${calls} calls each, ${ROUNDS} alternating slices of ${SLICE}, after ${WARMUP} warm-up calls; tools/call echo over stdio, pipeline called in process)\n`);
} finally {
  await gw.close();
  await provider.shutdown();
}
