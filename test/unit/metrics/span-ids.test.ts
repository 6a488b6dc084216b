import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { PooledIds } from '../../../src/metrics/span-ids.ts';

describe('PooledIds', () => {
  it('draws valid, distinct trace and span ids across several refills of its pool', () => {
    const ids = new PooledIds();
    // 4 KiB of pool per refill: 3,000 of each kind is several refills, with ids cut across the end of one.
    const traceIds = Array.from({ length: 3_000 }, () => ids.generateTraceId());
    const spanIds = Array.from({ length: 3_000 }, () => ids.generateSpanId());
    expect(traceIds.every(isValidTraceId)).toBe(true);
    expect(spanIds.every(isValidSpanId)).toBe(true);
    expect(traceIds.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(spanIds.every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
    expect(new Set(traceIds).size).toBe(traceIds.length);
    expect(new Set(spanIds).size).toBe(spanIds.length);
  });

  it('gives two generators different ids', () => {
    const [a, b] = [new PooledIds(), new PooledIds()];
    expect(a.generateSpanId()).not.toBe(b.generateSpanId());
  });
});
