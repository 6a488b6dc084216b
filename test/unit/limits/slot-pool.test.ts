import { describe, expect, it } from 'vitest';
import { SlotPool, SlotWaitError } from '../../../src/limits/slot-pool.ts';

const never = new AbortController().signal;
const why = (promise: Promise<unknown>) => promise.then(() => 'granted', (error: SlotWaitError) => error.why);

describe('slot pool - a cap with a bounded queue', () => {
  it('hands a released slot to the first waiter, in arrival order, and a newcomer cannot overtake', async () => {
    const pool = new SlotPool(1, 10);
    expect(pool.tryTake()).toBe(true);
    const order: number[] = [];
    const first = pool.wait(10_000, never).then(() => order.push(1));
    const second = pool.wait(10_000, never).then(() => order.push(2));
    expect(pool.tryTake()).toBe(false);
    pool.release();
    await first;
    pool.release();
    await second;
    expect(order).toEqual([1, 2]);
    pool.release();
    expect(pool.idle).toBe(true);
  });

  it('refuses at once when the queue is full, and gives up at the deadline or on cancellation', async () => {
    const pool = new SlotPool(1, 1);
    pool.tryTake();
    const waiting = why(pool.wait(30, never));
    expect(await why(pool.wait(10_000, never))).toBe('queue_full');
    expect(await waiting).toBe('timeout');
    const abort = new AbortController();
    const cancelled = why(pool.wait(10_000, abort.signal));
    abort.abort();
    expect(await cancelled).toBe('cancelled');
    // Waiters that gave up left the queue: the slot goes back to the pool.
    pool.release();
    expect(pool.idle).toBe(true);
  });
});
