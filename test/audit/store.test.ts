import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../src/audit/sqlite/store.ts';
import { auditConfig, decision, decisionKeysState, outcomeOf, readEvents, silentLogger, tempDir, tick, verifyFile } from './helpers.ts';

const { dir, cleanup } = tempDir('store');
afterAll(cleanup);

describe('audit store', () => {
  it('keeps the policy input of a decision, redacted, with its arguments stored once', async () => {
    const path = join(dir, 'decision-input.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick });
    const input = { method: 'tools/call', principal: { sub: 'alice', roles: ['analyst'], claims: { api_key: 'k-123' } }, arguments: { sql: 'select 1' }, now: '2026-11-23T19:00:00.000Z' };
    await store.recordDecision(decision({ input }));
    await store.close();
    const [row] = readEvents(path, "kind = 'decision'");
    const data = JSON.parse(row!.data);
    expect(data.input).toEqual({ method: 'tools/call', principal: { sub: 'alice', roles: ['analyst'], claims: { api_key: '[REDACTED]' } }, now: '2026-11-23T19:00:00.000Z' });
    expect(data.arguments).toEqual({ sql: 'select 1' });
  });

  it('writes a decision with its columns and a redacted data document', async () => {
    const path = join(dir, 'decision.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick });
    const event = decision({ decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an analyst'], workflow: { name: 'weekly', step: 'fetch' } });
    await store.recordDecision(event);
    await store.recordOutcome(outcomeOf(decision(), { outcome: 'upstream_error', errorCode: 'UPSTREAM_ERROR' }));
    await store.close();

    const [row, outcome] = readEvents(path, "kind IN ('decision', 'outcome')");
    expect(row).toMatchObject({
      kind: 'decision', time: event.time, request_id: event.requestId, session_id: 'session-1', sub: 'alice', iss: 'https://idp.example.com',
      method: 'tools/call', public_name: 'db__query', upstream: 'db', upstream_name: 'query', decision: 'deny', decision_id: event.decisionId, code: 'POLICY_DENIED',
    });
    expect(JSON.parse(row!.data)).toEqual({
      arguments: { sql: 'select 1' },
      arguments_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      policy_revision: 'rev-1',
      reasons: ['not an analyst'],
      token_id: 'jti-1',
      workflow: { name: 'weekly', step: 'fetch' },
      input: null,
    });
    expect(outcome).toMatchObject({ kind: 'outcome', outcome: 'upstream_error', code: 'UPSTREAM_ERROR' });
    expect(JSON.parse(outcome!.data)).toEqual({ duration_ms: 3.5, upstream_ms: 2.1 });
  });

  it('records config_loaded and policy_reload (errors redacted), and startup/shutdown around them', async () => {
    const path = join(dir, 'lifecycle.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick, version: '0.1.0' });
    await store.recordLifecycle({ kind: 'config_loaded', time: tick().toISOString(), file: '/etc/warden.json', sha256: 'abc' });
    await store.recordLifecycle({ kind: 'policy_reload', time: tick().toISOString(), revision: 'r2', previousRevision: 'r1', ok: true });
    await store.recordLifecycle({ kind: 'policy_reload', time: tick().toISOString(), revision: 'r2', ok: false, error: 'bundle fetch sent Bearer abc.def.ghi and failed' });
    await store.close('SIGTERM');
    const rows = readEvents(path);
    expect(rows.map((r) => r.kind)).toEqual(['startup', 'config_loaded', 'policy_reload', 'policy_reload', 'shutdown']);
    expect(JSON.parse(rows[0]!.data)).toMatchObject({ version: '0.1.0', pid: process.pid, incomplete: 0 });
    expect(JSON.parse(rows[1]!.data)).toEqual({ file: '/etc/warden.json', sha256: 'abc' });
    expect(JSON.parse(rows[2]!.data)).toEqual({ revision: 'r2', previous_revision: 'r1', ok: true, error: null });
    expect(JSON.parse(rows[3]!.data)).toEqual({ revision: 'r2', previous_revision: null, ok: false, error: 'bundle fetch sent [REDACTED:bearer] and failed' });
    expect(JSON.parse(rows[4]!.data)).toEqual({ reason: 'SIGTERM' });
  });

  it('aggregates a flood of authentication failures into one row per source and reason', async () => {
    const path = join(dir, 'authn.db');
    const store = openAuditStore(auditConfig(path, { authn_failure_window_ms: 60_000 }), { logger: silentLogger, now: tick });
    for (let i = 0; i < 5000; i += 1) {
      store.recordAuthnFailure({ time: tick().toISOString(), source: '10.0.0.9', reason: 'AUTH_TOKEN_EXPIRED', tokenId: `jti-${i % 7}` });
    }
    store.recordAuthnFailure({ time: tick().toISOString(), source: '10.0.0.9', reason: 'AUTH_TOKEN_INVALID' });
    store.recordAuthnFailure({ time: tick().toISOString(), source: 'stdio', reason: 'AUTH_TOKEN_INVALID' });
    await store.close();
    const rows = readEvents(path, "kind = 'authn_failure'").map((r) => ({ code: r.code, ...JSON.parse(r.data) }));
    expect(rows.map(({ code, source, count, token_ids }) => ({ code, source, count, token_ids }))).toEqual([
      { code: 'AUTH_TOKEN_EXPIRED', source: '10.0.0.9', count: 5000, token_ids: ['jti-0', 'jti-1', 'jti-2', 'jti-3', 'jti-4'] },
      { code: 'AUTH_TOKEN_INVALID', source: '10.0.0.9', count: 1 },
      { code: 'AUTH_TOKEN_INVALID', source: 'stdio', count: 1 },
    ].map((r) => ({ token_ids: [], ...r })));
  });

  it('writes the aggregated failures at the end of each window', async () => {
    const path = join(dir, 'authn-window.db');
    const store = openAuditStore(auditConfig(path, { authn_failure_window_ms: 30 }), { logger: silentLogger });
    try {
      store.recordAuthnFailure({ time: new Date().toISOString(), source: '10.0.0.1', reason: 'AUTH_TOKEN_MISSING' });
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(readEvents(path, "kind = 'authn_failure'")).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

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

  it('refuses writes after close', async () => {
    const store = openAuditStore(auditConfig(join(dir, 'closed.db')), { logger: silentLogger });
    await store.close();
    await expect(store.recordDecision(decision())).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: 'the audit store is closed' });
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
