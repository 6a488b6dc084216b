import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../src/audit/chain.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { auditConfig, decision, tempDir, tick } from '../../../testkit/support/audit.ts';

const { dir, cleanup } = tempDir('secrets');
afterAll(cleanup);

describe('audit store - secrets never reach the disk or the logs', () => {
  it('finds no password, API key, bearer JWT or private key in the database, its WAL or the log', async () => {
    const jwt = await new SignJWT({ scope: 'db:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti('jti-42')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-32-byte-long-hmac-secret-value!'));
    const password = 'hunter2-correct-horse-battery';
    const awsKey = 'AKIAIOSFODNN7EXAMPLE';
    const apiKey = 'sk-live_4eC39HqLyjWDarjtT1zdp7dc0123';
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pemBody = pem.split('\n')[1]!;
    const secrets = { password, awsKey, apiKey, jwt, jwtSignature: jwt.split('.')[2]!, pemBody };

    const path = join(dir, 'audit.db');
    const logFile = join(dir, 'warden.log');
    const logger = pino({ level: 'trace' }, pino.destination({ dest: logFile, sync: true }));
    const store = openAuditStore(auditConfig(path), { logger, now: tick });
    const args = {
      user: 'alice',
      password,
      'X-Api-Key': apiKey,
      headers: { Authorization: `Bearer ${jwt}` },
      note: `retry with ${jwt} or key ${awsKey}`,
      certificate: pem,
      nested: [{ db_password: password }],
    };
    const event = decision({ tokenId: 'jti-42', arguments: args, reasons: [`token ${jwt} lacks scope`] });
    await store.recordDecision(event);
    store.recordAuthnFailure({ time: tick().toISOString(), source: '127.0.0.1', reason: 'AUTH_TOKEN_EXPIRED', tokenId: 'jti-42' });

    // Force a logged failure too, so the log scan reads real store output.
    const blocker = new Database(path);
    blocker.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    await expect(store.recordDecision(decision({ arguments: args }))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    blocker.exec('ROLLBACK');
    blocker.close();

    const scan = (file: string): string[] => {
      const bytes = readFileSync(file);
      return Object.entries(secrets).filter(([, secret]) => bytes.includes(Buffer.from(secret))).map(([name]) => `${name} in ${file}`);
    };
    expect(existsSync(`${path}-wal`)).toBe(true);
    const whileOpen = [...scan(path), ...scan(`${path}-wal`)];
    await store.close();
    logger.flush();

    expect(readFileSync(logFile, 'utf8')).toContain('audit write failed');
    expect([...whileOpen, ...scan(path), ...scan(logFile)]).toEqual([]);

    const db = new Database(path, { readonly: true });
    try {
      const data = JSON.parse(db.prepare("SELECT data FROM events WHERE kind = 'decision'").pluck().get() as string);
      expect(data.arguments).toEqual({
        user: 'alice',
        password: '[REDACTED]',
        'X-Api-Key': '[REDACTED]',
        headers: { Authorization: '[REDACTED]' },
        note: 'retry with [REDACTED:jwt] or key [REDACTED:aws-key]',
        certificate: '[REDACTED:pem]\n',
        nested: [{ db_password: '[REDACTED]' }],
      });
      expect(data.reasons).toEqual(['token [REDACTED:jwt] lacks scope']);
      expect(data.token_id).toBe('jti-42');
      expect(data.arguments_sha256).toBe(sha256Hex(canonicalJson(args)));
    } finally {
      db.close();
    }
  });
});
