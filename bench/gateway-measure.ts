/**
 * Latency and throughput of an async call: a warm-up that is thrown away, then `samples` timed
 * calls issued by `concurrency` workers (1 = sequential). Latency is per call (µs, from
 * hrtime); throughput is samples / wall time.
 */
export interface Measurement {
  samples: number;
  concurrency: number;
  p50_us: number;
  p99_us: number;
  calls_per_s: number;
}

export interface MeasureOptions {
  warmup: number;
  samples: number;
  concurrency: number;
}

function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

async function runWorkers(call: () => Promise<unknown>, total: number, concurrency: number, latencies?: Float64Array): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const start = process.hrtime.bigint();
      await call();
      if (latencies) latencies[index] = Number(process.hrtime.bigint() - start) / 1000;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

export async function measure(call: () => Promise<unknown>, options: MeasureOptions): Promise<Measurement> {
  await runWorkers(call, options.warmup, options.concurrency);
  const latencies = new Float64Array(options.samples);
  const start = process.hrtime.bigint();
  await runWorkers(call, options.samples, options.concurrency, latencies);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort();
  return {
    samples: options.samples,
    concurrency: options.concurrency,
    p50_us: Math.round(percentile(latencies, 50)),
    p99_us: Math.round(percentile(latencies, 99)),
    calls_per_s: Math.round(options.samples / wallSeconds),
  };
}
