import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundCounter, BoundHistogram } from '../../../src/metrics/bound-series.ts';

/**
 * The bound series render exactly what prom-client's own Counter and Histogram render for the same
 * records: prom-client is the oracle, fed the same values side by side.
 */
const BUCKETS = [0.001, 0.01, 0.1, 1];

/** Exposition text as a set of `name{sorted labels} value` lines (label order is not significant in Prometheus). */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = [...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
      return `${match[1]}{${labels.join(',')}} ${match[3]}`;
    })
    .sort();
}
const headers = (text: string) => text.split('\n').filter((line) => line.startsWith('#'));

describe('bound series', () => {
  it('a histogram renders the buckets, sum and count prom-client renders, per label set', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const bound = new BoundHistogram('latency_seconds', 'Latency.', ['stage', 'outcome'], BUCKETS, ours);
    const reference = new Histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['stage', 'outcome'], buckets: BUCKETS, registers: [theirs] });
    // On a bound, between bounds, past the last one, zero.
    for (const [stage, outcome, value] of [['authorize', 'ok', 0.001], ['authorize', 'ok', 0.05], ['forward', 'error', 3], ['forward', 'ok', 0], ['authorize', 'ok', 0.5]] as const) {
      bound.series(stage, outcome).observe(value);
      reference.observe({ stage, outcome }, value);
    }
    const [ourText, theirText] = [await ours.metrics(), await theirs.metrics()];
    expect(samples(ourText)).toEqual(samples(theirText));
    expect(headers(ourText)).toEqual(headers(theirText));
  });

  it('a counter renders its series as prom-client does, and reset zeroes every series', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const bound = new BoundCounter('requests_total', 'Requests.', ['method', 'code'], ours);
    const reference = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['method', 'code'], registers: [theirs] });
    for (const [method, code] of [['tools/call', 'OK'], ['tools/call', 'OK'], ['tools/list', 'OK'], ['tools/call', 'POLICY_DENIED']] as const) {
      bound.series(method, code).inc();
      reference.inc({ method, code });
    }
    expect(samples(await ours.metrics())).toEqual(samples(await theirs.metrics()));
    ours.resetMetrics();
    theirs.resetMetrics();
    bound.series('tools/list', 'OK').inc();
    expect(samples(await ours.metrics())).toContain('requests_total{code="OK",method="tools/list"} 1');
    expect(samples(await ours.metrics())).toContain('requests_total{code="OK",method="tools/call"} 0');
  });

  it('refuses a label set of the wrong length instead of recording it under a partial key', () => {
    const bound = new BoundCounter('refusal_total', 'x', ['a', 'b'], new Registry());
    expect(() => bound.series('only-one')).toThrow('refusal_total: 2 label values expected, got 1');
  });
});
