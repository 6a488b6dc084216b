import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/audit/group-commit.ts';
import { openAuditStore } from '../../src/audit/sqlite/store.ts';
import { verifyChain } from '../../src/audit/sqlite/verify.ts';
import { auditConfig, decision, silentLogger, tempDir, tick } from './helpers.ts';

const { dir, cleanup } = tempDir('group-commit');
afterAll(cleanup);

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

  it('stores 500 concurrent decisions, each visible to another connection when its promise resolves', async () => {
    const path = join(dir, 'concurrent.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick });
    const reader = new Database(path, { readonly: true });
    const find = reader.prepare('SELECT seq FROM events WHERE decision_id = ?');
    try {
      const events = Array.from({ length: 500 }, () => decision());
      const invisible: string[] = [];
      await Promise.all(
        events.map((event) =>
          store.recordDecision(event).then(() => {
            if (!find.get(event.decisionId)) invisible.push(event.decisionId);
          }),
        ),
      );
      expect(invisible).toEqual([]);
      const ids = reader.prepare("SELECT decision_id FROM events WHERE kind = 'decision' ORDER BY seq").pluck().all();
      expect(ids).toEqual(events.map((event) => event.decisionId));
      expect(reader.prepare('SELECT seq FROM chain_head').pluck().get()).toBe(501);
    } finally {
      reader.close();
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(verifyChain(db)).toMatchObject({ ok: true, rows: 502 });
    } finally {
      db.close();
    }
  });
});
