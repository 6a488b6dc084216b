import { describe, expect, it } from 'vitest';
import { decisionId } from '../../../src/policy/decision-id.ts';

describe('decisionId', () => {
  it('is a UUID version 7 whose first 48 bits are the time in milliseconds', () => {
    const before = Date.now();
    const id = decisionId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const time = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });

  it('sorts by time across milliseconds, and never repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(decisionId());
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 10_000 }, decisionId));
    expect(many.size).toBe(10_000);
  });
});
