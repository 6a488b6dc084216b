/**
 * Latency and throughput of competing async calls (direct vs through the gateway) on a shared,
 * noisy machine. Each contender gets a warm-up that is thrown away, then its timed calls are
 * taken in `rounds` alternating slices (A, B, A, B, ...), so a burst of load from elsewhere hits
 * both rather than whichever happened to run then. Latency is per call (µs, from hrtime);
 * throughput is calls / the contender's own wall time. A call that rejects is counted in
 * `errors` (and timed like the others) instead of aborting the run, so a stray failure is
 * reported next to the numbers it may have skewed.
 */
export interface Measurement {
  samples: number;
  errors: number;
  concurrency: number;
  p50_us: number;
  p99_us: number;
  calls_per_s: number;
}

export interface MeasureOptions {
  warmup: number;
  samples: number;
  concurrency: number;
  rounds: number;
  /** Called once every contender's warm-up is done, before the first timed slice. */
  onWarm?: () => void;
}

type Call = () => Promise<unknown>;

function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Runs calls [from, to) on `concurrency` workers, writing latencies; returns how many rejected. */
async function runSlice(call: Call, from: number, to: number, concurrency: number, latencies?: Float64Array): Promise<number> {
  let next = from;
  let errors = 0;
  const worker = async () => {
    while (next < to) {
      const index = next++;
      const start = process.hrtime.bigint();
      await call().catch(() => errors++);
      if (latencies) latencies[index] = Number(process.hrtime.bigint() - start) / 1000;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
  return errors;
}

export async function measureInterleaved<K extends string>(calls: Record<K, Call>, options: MeasureOptions): Promise<Record<K, Measurement>> {
  const names = Object.keys(calls) as K[];
  const state = new Map(names.map((name) => [name, { latencies: new Float64Array(options.samples), errors: 0, nanos: 0n }]));
  for (const name of names) await runSlice(calls[name], 0, options.warmup, options.concurrency);
  options.onWarm?.();
  const slice = Math.ceil(options.samples / options.rounds);
  for (let from = 0; from < options.samples; from += slice) {
    for (const name of names) {
      const entry = state.get(name)!;
      const start = process.hrtime.bigint();
      entry.errors += await runSlice(calls[name], from, Math.min(from + slice, options.samples), options.concurrency, entry.latencies);
      entry.nanos += process.hrtime.bigint() - start;
    }
  }
  const result = {} as Record<K, Measurement>;
  for (const name of names) {
    const { latencies, errors, nanos } = state.get(name)!;
    latencies.sort();
    result[name] = {
      samples: options.samples,
      errors,
      concurrency: options.concurrency,
      p50_us: Math.round(percentile(latencies, 50)),
      p99_us: Math.round(percentile(latencies, 99)),
      calls_per_s: Math.round(options.samples / (Number(nanos) / 1e9)),
    };
  }
  return result;
}
