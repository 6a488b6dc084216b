import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../../src/audit/group-commit.ts';

describe('group commit', () => {
  it('commits everything submitted in one turn as one batch, and settles each promise after it', async () => {
    const batches: number[][] = [];
    const settledBeforeCommit: number[] = [];
    const group = createGroupCommit<number>((items) => void batches.push(items), () => {});
    const promises = Array.from({ length: 50 }, (_, i) =>
      group.submit(i).then(() => {
        if (batches.length === 0) settledBeforeCommit.push(i);
      }),
    );
    await Promise.all(promises);
    expect(batches).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
    expect(settledBeforeCommit).toEqual([]);
  });

  it('rejects every promise of a failed batch with AUDIT_UNAVAILABLE, and the next batch goes on', async () => {
    let fail = true;
    const reported: (string | undefined)[] = [];
    const group = createGroupCommit<number>(
      () => {
        if (fail) throw new Error('disk I/O error');
      },
      (error, size) => reported.push(error ? `${error.code} x${size}` : `ok x${size}`),
    );
    const failed = await Promise.allSettled([1, 2, 3].map((n) => group.submit(n)));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: 'audit write failed: disk I/O error' });
    fail = false;
    await group.submit(4);
    expect(reported).toEqual(['AUDIT_UNAVAILABLE x3', 'ok x1']);
  });

  it('keeps one asynchronous commit in flight; what arrives meanwhile is the next batch, committed right after', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const group = createGroupCommit<number>(async (items) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      batches.push(items);
      inFlight -= 1;
    }, () => {});
    const first = group.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(group.busy()).toBe(true);
    const rest = [2, 3, 4].map((n) => group.submit(n));
    await first;
    expect(batches).toEqual([[1]]);
    await Promise.all(rest);
    await group.drain();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(maxInFlight).toBe(1);
    expect(group.busy()).toBe(false);
  });
});
