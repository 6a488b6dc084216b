import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { auditConfig, decision, readEvents, tempDir, tick, verifyFile } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const { dir, cleanup } = tempDir('fail-closed');
afterAll(cleanup);

const countDecisions = (path: string, decisionId: string): number => readEvents(path, "kind = 'decision' AND decision_id = ?", decisionId).length;

describe('audit store - fail closed', () => {
  it('refuses the call while another connection holds the write lock past the busy timeout, and recovers', async () => {
    const path = join(dir, 'locked.db');
    const store = openAuditStore(auditConfig(path, { busy_timeout_ms: 50 }), { logger: silentLogger, now: tick });
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const refused = decision();
      const started = performance.now();
      await expect(store.recordDecision(refused)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: 'audit write failed: database is locked' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
      expect(store.health()).toMatchObject({ ok: false, reason: 'audit write failed: database is locked' });
      other.exec('ROLLBACK');

      expect(countDecisions(path, refused.decisionId)).toBe(0);
      await store.recordDecision(decision());
      expect(store.health()).toEqual({ ok: true });
    } finally {
      other.close();
      await store.close();
    }
  });

  it('refuses the call when the database is full (max_size_mb), and keeps a valid chain', async () => {
    const path = join(dir, 'full.db');
    const store = openAuditStore(auditConfig(path, { max_size_mb: 0.25 }), { logger: silentLogger, now: tick });
    const big = 'x'.repeat(4000);
    let refused: unknown;
    let written = 0;
    try {
      for (let i = 0; i < 500 && refused === undefined; i += 1) {
        const event = decision({ arguments: { big } });
        await store.recordDecision(event).then(
          () => (written += 1),
          (error: unknown) => {
            refused = error;
            expect(countDecisions(path, event.decisionId)).toBe(0);
          },
        );
      }
      expect(written).toBeGreaterThan(10);
      expect(refused).toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: 'audit write failed: database or disk is full' });
      expect(store.health().ok).toBe(false);
    } finally {
      await store.close();
    }
    expect(verifyFile(path)).toMatchObject({ ok: true, problem: null });
    expect(readEvents(path, "kind = 'decision'")).toHaveLength(written);
  });

  it('refuses to start on a database its user may not write (the gateway does not run unaudited)', async () => {
    // Root ignores file modes, so the store is opened by a child running as nobody.
    const path = join(dir, 'read-only.db');
    await openAuditStore(auditConfig(path), { logger: silentLogger }).close();
    chmodSync(dir, 0o755);
    chmodSync(path, 0o644);
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/open-store.ts'), path], {
      uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000,
    });
    // A spawn error (EACCES) means nobody cannot reach Node or the checkout: a 0700 folder on the way.
    expect(child.error, `the user nobody must be able to run ${process.execPath} and read ${dir}`).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as { ok: boolean; code: string; message: string };
    expect(result).toMatchObject({ ok: false, code: 'AUDIT_UNAVAILABLE' });
    expect(result.message).toMatch(new RegExp(`^(cannot open audit database ${path}|audit write failed): .*readonly`));
    expect(countDecisions(path, 'd')).toBe(0);
  });
});
