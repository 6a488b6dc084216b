import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EventRow, GENESIS_HASH, HASHED_COLUMNS, rowHash } from '../../../src/audit/chain.ts';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { openPostgresAuditStore } from '../../../src/audit/postgres/store.ts';
import { toEventRow } from '../../../src/audit/postgres/rows.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { run } from '../../../src/cli/audit.ts';
import { auditConfig, decision, outcomeOf, tempDir, tick } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';

const { dir, cleanup } = tempDir('checkpoints');

/** The signer's key pair: the private half for the gateway, the public half for the verifier. */
const keys = generateKeyPairSync('ed25519');
const privateKeyFile = join(dir, 'checkpoint.key');
const publicKeyFile = join(dir, 'checkpoint.pub');
writeFileSync(privateKeyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(publicKeyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));

/** A real HTTP endpoint outside the database that keeps what it is sent. */
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];
beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push(body);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/checkpoints`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  cleanup();
});

async function audit(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await run(args, { stdout: { write: (chunk: string) => (out += chunk) }, now: () => new Date() });
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}

/**
 * The attacker: full write access to the database file, no signing key. Rewrites the rows as
 * `mutate` says, renumbers them, recomputes every hash from genesis, moves the chain head and
 * rebuilds the query index, so the chain alone verifies again.
 */
function rewriteSqlite(path: string, mutate: (rows: EventRow[]) => EventRow[]): void {
  const db = new Database(path);
  try {
    const rows = mutate(db.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[]);
    const insert = db.prepare(`INSERT INTO events (seq, ${HASHED_COLUMNS.join(', ')}, prev_hash, hash) VALUES (${Array.from({ length: HASHED_COLUMNS.length + 3 }, () => '?').join(', ')})`);
    db.transaction(() => {
      db.prepare('DELETE FROM events').run();
      let prev = GENESIS_HASH;
      rows.forEach((row, index) => {
        const hash = rowHash(prev, row);
        insert.run(index + 1, ...HASHED_COLUMNS.map((column) => row[column]), prev, hash);
        prev = hash;
      });
      db.prepare('UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1').run(rows.length, prev);
      db.prepare('DELETE FROM decision_keys').run();
      db.prepare('UPDATE decision_keys_through SET seq = 0 WHERE id = 1').run();
    })();
  } finally {
    db.close();
  }
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').trimEnd().split('\n');
const seqOf = (line: string): number => (JSON.parse(line) as { seq: number }).seq;

describe('signed audit checkpoints - sqlite', () => {
  const path = join(dir, 'trail.db');
  const file = join(dir, 'trail.checkpoints');

  beforeAll(async () => {
    const store = openAuditStore(auditConfig(path, { checkpoint: { private_key_file: privateKeyFile, file, url: receiverUrl, every_rows: 5, every_ms: 60_000, post_timeout_ms: 5000 } }), {
      logger: silentLogger, now: tick,
    });
    for (let i = 0; i < 12; i++) {
      const event = decision({ arguments: { sql: `select ${i}` } });
      await store.recordDecision(event);
      await store.recordOutcome(outcomeOf(event));
    }
    await store.close();
  });

  it('appends a signed statement every N rows and at close, and POSTs the same lines in order to the URL', () => {
    const written = lines(file);
    expect(written.length).toBeGreaterThanOrEqual(4);
    expect(received).toEqual(written);
    const statements = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const statement of statements) {
      expect(Object.keys(statement).sort()).toEqual(['hash', 'key_id', 'replica', 'seq', 'sig', 'time', 'v']);
      expect(statement).toMatchObject({ v: 1, replica: null, key_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    }
    const seqs = statements.map((statement) => statement.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The last one is the head at close: the shutdown row.
    const head = new Database(path, { readonly: true }).prepare('SELECT seq, hash FROM chain_head').get() as { seq: number; hash: string };
    expect(statements.at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });
  });

  it('verifies an intact trail against every checkpoint', async () => {
    const result = await audit(['verify', '--db', path, '--checkpoints', file, '--public-key', publicKeyFile, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, checkpoints: { checked: lines(file).length, firstMismatch: null } });
  });

  // Each attack starts at row 9; the first checkpoint at or after it is the one to be named.
  const AT = 9;
  const attacks: Array<[string, (rows: EventRow[]) => EventRow[]]> = [
    ['edited', (rows) => rows.map((row) => (row.seq === AT ? { ...row, sub: 'mallory' } : row))],
    ['deleted', (rows) => rows.filter((row) => row.seq !== AT)],
    ['reordered', (rows) => rows.map((row) => (row.seq === AT ? rows[AT]! : row.seq === AT + 1 ? rows[AT - 1]! : row))],
    ['truncated', (rows) => rows.filter((row) => row.seq < AT)],
  ];
  for (const [attack, mutate] of attacks) {
    it(`fails a trail ${attack} with every hash and the head recomputed, naming the first checkpoint it no longer matches`, async () => {
      const copy = join(dir, `${attack}.db`);
      copyFileSync(path, copy);
      rewriteSqlite(copy, mutate);
      // The chain alone cannot tell: that is what the checkpoints are for.
      expect((await audit(['verify', '--db', copy])).code).toBe(0);

      const result = await audit(['verify', '--db', copy, '--checkpoints', file, '--public-key', publicKeyFile]);
      expect(result.code).toBe(1);
      const line = lines(file).findIndex((text) => seqOf(text) >= AT) + 1;
      expect(result.out).toContain(`checkpoint no longer matches: ${file}:${line}: the checkpoint of seq ${seqOf(lines(file)[line - 1]!)} signed at`);
      expect(result.out).toMatch(attack === 'truncated' ? /truncated at seq/ : /rewritten at seq/);
    });
  }

  it('refuses a checkpoint file with an altered or foreign-signed line, naming the line', async () => {
    const forged = join(dir, 'forged.checkpoints');
    const original = lines(file);
    const altered = JSON.parse(original[1]!) as Record<string, unknown>;
    altered.seq = (altered.seq as number) - 1;
    writeFileSync(forged, [original[0], JSON.stringify(altered), ...original.slice(2)].join('\n'));
    const result = await audit(['verify', '--db', path, '--checkpoints', forged, '--public-key', publicKeyFile]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${'AUDIT_CHECKPOINT_INVALID'}: ${forged}:2: the signature does not verify`);

    const other = join(dir, 'other.pub');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const foreign = await audit(['verify', '--db', path, '--checkpoints', file, '--public-key', other]);
    expect(foreign.err).toMatch(new RegExp(`AUDIT_CHECKPOINT_INVALID: ${file}:1: signed with key id [0-9a-f]{16}, which none of the public keys given has`));
  });

  it('refuses to start with a signing key that is not Ed25519, and verify needs its public key', async () => {
    const rsa = join(dir, 'rsa.key');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => openAuditStore(auditConfig(join(dir, 'rsa.db'), { checkpoint: auditConfigSchema.parse({ checkpoint: { private_key_file: rsa, file } }).checkpoint }), { logger: silentLogger }))
      .toThrow(expect.objectContaining({ code: 'AUDIT_CHECKPOINT_KEY', message: expect.stringContaining('expected Ed25519') }));
    expect((await audit(['verify', '--db', path, '--checkpoints', file])).code).toBe(2);
    expect(() => auditConfigSchema.parse({ checkpoint: { private_key_file: rsa } })).toThrow(/url.* or both: where the signed checkpoints go/);
  });
});

describe('signed audit checkpoints - postgres', () => {
  let server: TestPostgres;
  let sql: pg.Client;
  beforeAll(async () => {
    server = await startPostgres();
    sql = new pg.Client({ connectionString: server.url });
    await sql.connect();
  }, 60_000);
  afterAll(async () => {
    await sql?.end().catch(() => undefined);
    await server?.close();
  });

  it('signs each replica\'s chain, and a chain rewritten with recomputed hashes and head fails at its first checkpoint', async () => {
    const file = join(dir, 'pg.checkpoints');
    const config = auditConfigSchema.parse({
      backend: 'postgres', url: server.url, replica_id: 'r1', checkpoint: { private_key_file: privateKeyFile, file, every_rows: 3 },
    });
    const store = await openPostgresAuditStore(config, { logger: silentLogger, now: tick });
    for (let i = 0; i < 8; i++) await store.recordDecision(decision({ arguments: { sql: `select ${i}` } }));
    await store.close();
    expect(lines(file).every((line) => (JSON.parse(line) as { replica: string }).replica === 'r1')).toBe(true);
    const intact = await audit(['verify', '--db', server.url, '--checkpoints', file, '--public-key', publicKeyFile]);
    expect(intact.out).toContain('checkpoints match');
    expect(intact.code).toBe(0);

    // The attacker edits row 5 of r1's chain and recomputes everything after it, head included.
    const rows = (await sql.query("SELECT * FROM events WHERE replica_id = 'r1' ORDER BY seq")).rows.map(toEventRow);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const fields = row.seq === 5 ? { ...row, data: row.data.replace('select', 'drop') } : row;
      const hash = rowHash(prev, fields);
      await sql.query("UPDATE events SET data = $1, prev_hash = $2, hash = $3 WHERE replica_id = 'r1' AND seq = $4", [fields.data, prev, hash, row.seq]);
      prev = hash;
    }
    await sql.query("UPDATE chain_head SET hash = $1 WHERE replica_id = 'r1'", [prev]);
    expect((await audit(['verify', '--db', server.url])).code).toBe(0);

    const result = await audit(['verify', '--db', server.url, '--checkpoints', file, '--public-key', publicKeyFile, '--json']);
    expect(result.code).toBe(1);
    const line = lines(file).findIndex((text) => seqOf(text) >= 5) + 1;
    expect(JSON.parse(result.out).checkpoints.firstMismatch).toMatchObject({ where: `${file}:${line}`, replica: 'r1' });
  });
});
