import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainKey, type EventRow, chainKey, rowHash } from '../../../src/audit/chain.ts';
import { rotateChainKey } from '../../../src/audit/key-rotation.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { verifyChain } from '../../../src/audit/sqlite/verify.ts';
import { isWardenError } from '../../../src/errors.ts';
import { auditConfig, decision, outcomeOf, tempDir, tick, verifyTamperedCopy } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { WARDEN } from '../../../testkit/support/gateway-process.ts';

/**
 * audit.chain_key: the chain under HMAC-SHA256 (migrations/sqlite/0004, src/audit/sqlite/keying.ts). What it
 * adds over the plain chain: someone who can write the file but lacks the key cannot recompute
 * the chain after an edit, cannot strip the keying, and no writer continues it under another key.
 */
const { dir, cleanup } = tempDir('chain-key');
const SECRET = 'f1e2d3c4b5a697887766554433221100ffeeddccbbaa';
const KEY = chainKey(SECRET);
const OTHER = chainKey('another secret of at least thirty-two characters');
const keyed = join(dir, 'keyed.db');

async function writeCalls(path: string, secret: string | undefined, calls: number): Promise<void> {
  const store = openAuditStore(auditConfig(path, secret === undefined ? {} : { chain_key: secret }), { logger: silentLogger, now: tick });
  for (let i = 0; i < calls; i += 1) {
    const event = decision();
    await store.recordDecision(event);
    await store.recordOutcome(outcomeOf(event));
  }
  await store.close('test');
}

beforeAll(() => writeCalls(keyed, SECRET, 3));
afterAll(cleanup);

const verifyAfter = (tamper: (db: Database.Database) => void, key: ChainKey | null = KEY) => verifyTamperedCopy(keyed, tamper, key === null ? {} : { key });

/** What someone without the key can do: edit a row and recompute every hash after it with plain SHA-256. */
function recomputeWithoutKey(db: Database.Database, fromSeq: number): void {
  const rows = db.prepare('SELECT * FROM events WHERE seq >= ? ORDER BY seq').all(fromSeq) as EventRow[];
  let prev = fromSeq === 1 ? '0'.repeat(64) : (db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(fromSeq - 1) as string);
  const update = db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?');
  for (const row of rows) {
    const hash = rowHash(prev, row);
    update.run(prev, hash, row.seq);
    prev = hash;
  }
  db.prepare('UPDATE chain_head SET hash = ? WHERE id = 1').run(prev);
}

describe('audit chain key', () => {
  it('keys a new log from its first startup row, which names the key id (never the key)', () => {
    const db = new Database(keyed, { readonly: true });
    try {
      expect(db.prepare('SELECT key_id, from_seq FROM chain_key').get()).toEqual({ key_id: KEY.id, from_seq: 1 });
      const startup = db.prepare('SELECT kind, data FROM events WHERE seq = 1').get() as { kind: string; data: string };
      expect(startup.kind).toBe('startup');
      expect(JSON.parse(startup.data)).toMatchObject({ chain_key_id: KEY.id });
      const everything = JSON.stringify(db.prepare('SELECT * FROM events').all()) + JSON.stringify(db.prepare('SELECT * FROM chain_key').all());
      expect(everything).not.toContain(SECRET);
    } finally {
      db.close();
    }
  });

  it('verifies with its key, and refuses to vouch without it or with another key', () => {
    expect(verifyAfter(() => {})).toMatchObject({ ok: true, rows: 8, problem: null });
    expect(verifyAfter(() => {}, null).problem).toMatchObject({ seq: 1, kind: 'key', message: expect.stringMatching(/^the audit log is keyed from seq 1 \(key id [0-9a-f]{16}\): configure audit.chain_key/) });
    expect(verifyAfter(() => {}, OTHER).problem).toMatchObject({ kind: 'key', message: `the audit log is keyed with key id ${KEY.id}, the chain key given has id ${OTHER.id}` });
  });

  it('catches an edit whose chain was recomputed without the key (the plain chain would pass it)', () => {
    const report = verifyAfter((db) => {
      db.prepare("UPDATE events SET sub = 'mallory' WHERE seq = 2").run();
      recomputeWithoutKey(db, 2);
    });
    expect(report.problem).toMatchObject({ seq: 2, kind: 'edited' });
  });

  it('catches the keying record stripped and the whole chain recomputed without the key', () => {
    const report = verifyAfter((db) => {
      db.prepare('DELETE FROM chain_key').run();
      recomputeWithoutKey(db, 1);
    });
    expect(report.problem).toMatchObject({ kind: 'key', message: expect.stringMatching(/^a chain key was given but the log records no keying/) });
  });

  it('catches the keying moved later with the rows before it recomputed without the key', () => {
    const report = verifyAfter((db) => {
      db.prepare('UPDATE chain_key SET from_seq = 5').run();
      recomputeWithoutKey(db, 1);
    });
    expect(report.ok).toBe(false);
    expect(report.problem?.kind).toMatch(/^(edited|key)$/);
  });

  it('a gateway without the key, or with another one, refuses to open the log (AUDIT_CHAIN_KEY)', () => {
    for (const overrides of [{}, { chain_key: 'another secret of at least thirty-two characters' }]) {
      let refused: unknown;
      try {
        openAuditStore(auditConfig(keyed, overrides), { logger: silentLogger });
      } catch (error) {
        refused = error;
      }
      expect(isWardenError(refused, 'AUDIT_CHAIN_KEY')).toBe(true);
    }
  });

  it('a running gateway notices a rotation made by another connection, and writes no row under the retired key', async () => {
    const path = join(dir, 'rotated-while-running.db');
    const store = openAuditStore(auditConfig(path, { chain_key: SECRET }), { logger: silentLogger, now: tick });
    try {
      await store.recordDecision(decision());
      await store.recordDecision(decision());
      await rotateChainKey({ backend: 'sqlite', path }, { now: tick, from: KEY, to: OTHER, by: 'test' });
      for (let i = 0; i < 2; i += 1) {
        await expect(store.recordDecision(decision())).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringMatching(/keyed with key id/) });
      }
    } finally {
      await store.close('test');
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT kind FROM events ORDER BY seq DESC LIMIT 1').pluck().get()).toBe('key_rotation');
      expect(verifyChain(db, { key: OTHER, retiredKeys: [KEY] })).toMatchObject({ ok: true });
    } finally {
      db.close();
    }
  });

  it('keys a plain log that has calls without an outcome: their incomplete rows plain, the startup row keyed', async () => {
    const path = join(dir, 'upgrade-incomplete.db');
    const plain = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick });
    await plain.recordDecision(decision());
    await plain.close('test');
    await writeCalls(path, SECRET, 1);
    const db = new Database(path, { readonly: true });
    try {
      const from = db.prepare('SELECT from_seq FROM chain_key').pluck().get() as number;
      expect(db.prepare('SELECT kind, outcome FROM events WHERE seq = ?').get(from - 1)).toEqual({ kind: 'outcome', outcome: 'incomplete' });
      expect(db.prepare('SELECT kind FROM events WHERE seq = ?').pluck().get(from)).toBe('startup');
      expect(verifyChain(db, { key: KEY })).toMatchObject({ ok: true });
    } finally {
      db.close();
    }
  });

  it('keys an existing plain log from the next startup on; both parts verify', async () => {
    const path = join(dir, 'upgrade.db');
    await writeCalls(path, undefined, 2);
    await writeCalls(path, SECRET, 2);
    const db = new Database(path, { readonly: true });
    try {
      const from = db.prepare('SELECT from_seq FROM chain_key').pluck().get() as number;
      expect(db.prepare('SELECT kind FROM events WHERE seq = ?').pluck().get(from)).toBe('startup');
      expect(from).toBeGreaterThan(1);
      expect(verifyChain(db, { key: KEY })).toMatchObject({ ok: true, rows: 12 });
    } finally {
      db.close();
    }
  });

  it('the audit command takes the key from WARDEN_AUDIT_CHAIN_KEY: prune appends under it, verify checks it', () => {
    const path = join(dir, 'cli.db');
    copyFileSync(keyed, path);
    const audit = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [WARDEN, 'audit', ...args, '--db', path], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
    const withKey = { WARDEN_AUDIT_CHAIN_KEY: SECRET };
    // Refused before anything is deleted.
    expect(audit(['prune', '--older-than', '1h'], {})).toMatchObject({ status: 3, stderr: expect.stringMatching(/AUDIT_CHAIN_KEY: the audit log is keyed from seq 1/) });
    expect(audit(['verify'], withKey)).toMatchObject({ status: 0, stdout: 'chain intact: 8 rows, seq 1..8\n' });
    expect(audit(['prune', '--older-than', '1h'], withKey)).toMatchObject({ status: 0, stdout: 'removed 8 rows through seq 8; verify starts from that anchor\n' });
    expect(audit(['verify'], withKey)).toMatchObject({ status: 0, stdout: 'chain intact: 1 rows, seq 9..9, anchored at seq 8 after pruning 8 rows\n' });
    expect(audit(['verify'], {})).toMatchObject({ status: 1, stdout: expect.stringMatching(/^chain broken at seq 1: key: the audit log is keyed/) });
  });
});
