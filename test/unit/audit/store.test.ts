import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { sqlitePinSql } from '../../../src/audit/sqlite/pins.ts';
import { auditConfig, decision, decisionKeysState, readEvents, tempDir, tick, verifyFile } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { auditStoreContract } from './store-contract.ts';

const { dir, cleanup } = tempDir('store');
afterAll(cleanup);

const pathOf = (name: string): string => join(dir, `${name}.db`);

auditStoreContract({
  name: 'sqlite',
  open: async (name, overrides = {}, options = {}) => openAuditStore(auditConfig(pathOf(name), overrides), { logger: silentLogger, ...options }),
  events: async (name, kinds) => (kinds ? readEvents(pathOf(name), `kind IN (${kinds.map(() => '?').join(', ')})`, ...kinds) : readEvents(pathOf(name))),
  verifies: async (name) => verifyFile(pathOf(name)).ok,
  reader: async (name) => {
    const db = new Database(pathOf(name));
    return { ...sqlitePinSql(db), close: async () => void db.close() };
  },
});

describe('audit store - sqlite', () => {
  it('checkpoints the WAL into the database file on a worker thread while open', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = openAuditStore(auditConfig(path, { checkpoint_interval_ms: 100 }), { logger: silentLogger });
    try {
      await Promise.all(Array.from({ length: 3000 }, () => store.recordDecision(decision({ arguments: { padding: 'x'.repeat(200) } }))));
      const before = statSync(path).size;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(statSync(path).size).toBeGreaterThan(before + 500_000);
    } finally {
      await store.close();
    }
  });

  it('starts on a log cut off while stopped, and says so in the startup event', async () => {
    const path = join(dir, 'cut-off.db');
    const first = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick });
    await first.recordDecision(decision());
    await first.close();
    const db = new Database(path);
    db.prepare('DELETE FROM events WHERE seq > 1').run();
    db.close();
    await openAuditStore(auditConfig(path), { logger: silentLogger, now: tick }).close();
    expect(JSON.parse(readEvents(path, "kind = 'startup'").at(-1)!.data)).toMatchObject({ chain_head_matches: false });
    expect(verifyFile(path).problem).toMatchObject({ seq: 2, kind: 'deleted' });
  });

  it('refuses to start when rows lie beyond the recorded head (nowhere to append)', async () => {
    const path = join(dir, 'no-head.db');
    await openAuditStore(auditConfig(path), { logger: silentLogger }).close();
    const db = new Database(path);
    db.prepare('DELETE FROM chain_head').run();
    db.close();
    expect(() => openAuditStore(auditConfig(path), { logger: silentLogger })).toThrow(
      expect.objectContaining({ code: 'AUDIT_CHAIN_BROKEN', message: `audit database ${path} has rows up to seq 2 beyond its recorded head (none); run warden audit verify` }),
    );
  });
});

describe('audit store - crash (SIGKILL mid-load)', () => {
  it('keeps every committed decision, verifies, and marks forwarded calls without outcome incomplete', async () => {
    const path = join(dir, 'crash.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/crash-writer.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.split('\n').length > 3000) resolve();
        });
        child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    }

    // The last piece is a line cut off by the kill (or empty): only whole lines were acknowledged.
    const lines = output.split('\n').slice(0, -1);
    const acknowledged = lines.filter((l) => !l.startsWith('outcome')).map((l) => l.split(' ')[1]!);
    const withOutcome = new Set(lines.filter((l) => l.startsWith('outcome')).map((l) => l.split(' ')[1]!));

    const store = openAuditStore(auditConfig(path), { logger: silentLogger });
    await store.close('test');

    const rows = readEvents(path);
    const decided = new Map(rows.filter((r) => r.kind === 'decision').map((r) => [r.decision_id!, r]));
    expect(acknowledged.filter((id) => !decided.has(id))).toEqual([]);

    const outcomes = new Map<string, string[]>();
    for (const r of rows.filter((r) => r.kind === 'outcome')) outcomes.set(r.decision_id!, [...(outcomes.get(r.decision_id!) ?? []), r.outcome!]);
    // Exactly one outcome per forwarded (allowed) decision, none for denials.
    for (const [id, row] of decided) {
      expect(outcomes.get(id)?.length ?? 0, id).toBe(row.decision === 'allow' ? 1 : 0);
      if (withOutcome.has(id)) expect(outcomes.get(id)).toEqual(['ok']);
    }
    const incomplete = [...outcomes.values()].filter((o) => o[0] === 'incomplete').length;
    expect(incomplete).toBeGreaterThan(0);
    const startup = rows.filter((r) => r.kind === 'startup').at(-1)!;
    expect(JSON.parse(startup.data).incomplete).toBe(incomplete);
    expect(verifyFile(path)).toMatchObject({ ok: true, problem: null });
    expect(decisionKeysState(path)).toEqual({ through: rows.at(-1)!.seq, keys: decided.size, differ: [] });
  });
});
