import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventRow, HASHED_COLUMNS, chainKey, rowHash } from '../../../src/audit/chain.ts';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { run } from '../../../src/cli/audit.ts';
import { auditConfig, decision, tempDir, tick } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';

const { dir, cleanup } = tempDir('key-rotation');
afterAll(cleanup);

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);

/** `warden audit ...` in process, with these environment variables set for the call only. */
async function audit(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  let out = '';
  try {
    const code = await run(args, { stdout: { write: (chunk: string) => (out += chunk) }, now: tick });
    return { code, out };
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const keys = (current: string, retired: string[] = []) => ({ WARDEN_AUDIT_CHAIN_KEY: current, WARDEN_AUDIT_RETIRED_CHAIN_KEYS: retired.join(',') });

describe('audit keys rotate - sqlite', () => {
  const path = join(dir, 'trail.db');
  let rotationSeq: number;

  beforeAll(async () => {
    const before = openAuditStore(auditConfig(path, { chain_key: OLD }), { logger: silentLogger, now: tick });
    for (let i = 0; i < 4; i++) await before.recordDecision(decision());
    await before.close();
    const rotated = await audit(['keys', 'rotate', '--db', path, '--json'], { ...keys(OLD), WARDEN_AUDIT_NEW_CHAIN_KEY: NEW });
    expect(rotated.code).toBe(0);
    rotationSeq = (JSON.parse(rotated.out) as { seq: number }).seq;
    const after = openAuditStore(auditConfig(path, { chain_key: NEW }), { logger: silentLogger, now: tick });
    for (let i = 0; i < 4; i++) await after.recordDecision(decision());
    await after.close();
  });

  it('records the rotation in the chain, under the retiring key, and the gateway continues only with the new key', () => {
    const db = new Database(path, { readonly: true });
    try {
      const row = db.prepare('SELECT * FROM events WHERE seq = ?').get(rotationSeq) as EventRow;
      expect(row.kind).toBe('key_rotation');
      expect(JSON.parse(row.data)).toMatchObject({ from_key_id: chainKey(OLD).id, to_key_id: chainKey(NEW).id, by: expect.stringMatching(/^os:/) });
      expect(rowHash(row.prev_hash, row, chainKey(OLD))).toBe(row.hash);
    } finally {
      db.close();
    }
    expect(() => openAuditStore(auditConfig(join(dir, 'trail.db'), { chain_key: OLD }), { logger: silentLogger }))
      .toThrow(expect.objectContaining({ code: 'AUDIT_CHAIN_KEY', message: expect.stringContaining('a key rotated out') }));
  });

  it('verifies across the rotation with the new key and the retired one, and asks for the retired one without it', async () => {
    expect(await audit(['verify', '--db', path], keys(NEW, [OLD]))).toMatchObject({ code: 0, out: expect.stringMatching(/^chain intact/) });
    const without = await audit(['verify', '--db', path], keys(NEW));
    expect(without.code).toBe(1);
    expect(without.out).toMatch(/key: rows from seq \d+ are keyed with key id [0-9a-f]{16}, rotated out since: give it as a retired key/);
    // Rotating again needs the current key.
    expect((await audit(['keys', 'rotate', '--db', path], { ...keys(OLD), WARDEN_AUDIT_NEW_CHAIN_KEY: 'x'.repeat(40) })).code).toBe(3);
  });

  it('fails a forged rotation: a holder of only the new key moves the rotation earlier and rewrites the rows after it', async () => {
    const forged = join(dir, 'forged.db');
    copyFileSync(path, forged);
    const db = new Database(forged);
    try {
      const from = 3;
      const rows = db.prepare('SELECT * FROM events WHERE seq >= ? ORDER BY seq').all(from) as EventRow[];
      const update = db.prepare(`UPDATE events SET ${HASHED_COLUMNS.map((c) => `${c} = ?`).join(', ')}, prev_hash = ?, hash = ? WHERE seq = ?`);
      let prev = (db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(from - 1) as string);
      db.transaction(() => {
        for (const row of rows) {
          const fields = row.seq === from ? { ...row, sub: 'mallory' } : row;
          const hash = rowHash(prev, fields, chainKey(NEW));
          update.run(...HASHED_COLUMNS.map((c) => fields[c]), prev, hash, row.seq);
          prev = hash;
        }
        db.prepare('DELETE FROM chain_key_rotations').run();
        db.prepare('INSERT INTO chain_key_rotations (from_seq, key_id) VALUES (?, ?)').run(from, chainKey(NEW).id);
        db.prepare('UPDATE chain_head SET hash = ? WHERE id = 1').run(prev);
        db.prepare('DELETE FROM decision_keys').run();
        db.prepare('UPDATE decision_keys_through SET seq = 0 WHERE id = 1').run();
      })();
    } finally {
      db.close();
    }
    const result = await audit(['verify', '--db', forged], keys(NEW, [OLD]));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/chain broken at seq 3: key: the chain is recorded as rotated from key id [0-9a-f]{16} to [0-9a-f]{16} at seq 3, but row 2 is no key_rotation row of the retiring key naming it: the rotation was forged/);
  });
});

describe('audit keys rotate - postgres', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => server?.close());

  it('rotates a stopped replica\'s chain key under its lock; verify passes across it and the replica continues with the new key', async () => {
    const config = (key: string) => auditConfigSchema.parse({ backend: 'postgres', url: server.url, replica_id: 'r1', chain_key: key });
    const first = await openPostgresAuditStore(config(OLD), { logger: silentLogger, now: tick });
    await first.recordDecision(decision());
    // Refused while the replica runs: it holds its lock.
    expect((await audit(['keys', 'rotate', '--db', server.url, '--replica', 'r1'], { ...keys(OLD), WARDEN_AUDIT_NEW_CHAIN_KEY: NEW })).code).toBe(3);
    await first.close();
    const rotated = await audit(['keys', 'rotate', '--db', server.url, '--replica', 'r1', '--json'], { ...keys(OLD), WARDEN_AUDIT_NEW_CHAIN_KEY: NEW });
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.out)).toMatchObject({ replica: 'r1', fromKeyId: chainKey(OLD).id, toKeyId: chainKey(NEW).id });
    await expect(openPostgresAuditStore(config(OLD), { logger: silentLogger })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_KEY' });
    const second = await openPostgresAuditStore(config(NEW), { logger: silentLogger, now: tick });
    await second.recordDecision(decision());
    await second.close();
    expect(await audit(['verify', '--db', server.url], keys(NEW, [OLD]))).toMatchObject({ code: 0 });
    expect((await audit(['verify', '--db', server.url], keys(NEW))).code).toBe(1);
  });
});
