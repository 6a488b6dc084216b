import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../../../src/upstreams/connection.ts';

describe('upstream reconnect backoff', () => {
  const backoff = { initialMs: 500, maxMs: 30_000 };

  it('doubles per attempt and stays between half and all of the step', () => {
    expect([0, 1, 2, 3].map((n) => reconnectDelay(n, backoff, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => reconnectDelay(n, backoff, () => 0.999999))).toEqual([500, 1000, 2000, 4000]);
  });

  it('is capped at maxMs however many attempts failed', () => {
    expect(reconnectDelay(30, backoff, () => 1)).toBe(30_000);
    expect(reconnectDelay(30, backoff, () => 0)).toBe(15_000);
  });
});
