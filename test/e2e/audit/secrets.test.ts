import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../testkit/support/audit.ts';
import { sign as signJwt } from '../../../testkit/support/tokens.ts';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { startGatewayHttp } from '../../../testkit/support/gateway-process.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

const { dir, cleanup } = tempDir('gateway-secrets');
const started: ListeningProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((gateway) => gateway.kill('SIGKILL')));
  cleanup();
});

const SECRET = 'hs256-secret-for-the-secrets-scan-0123456789';
const ISSUER = 'https://idp.secrets.test';

const sign = (secret: string, jti: string) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { roles: ['analyst'], iss: ISSUER, aud: 'mcp-warden', sub: 'alice', jti, iat: now, exp: now + 600 };
  return signJwt(new TextEncoder().encode(secret), claims, { alg: 'HS256' });
};

describe('secrets through the live gateway', () => {
  it('leaves no password, API key or bearer token in the database, its WAL or the gateway log', async () => {
    writeFileSync(join(dir, 'allow-all.rego'), 'package mcp.authz\n\nallow := true\n');
    const config = join(dir, 'warden.config.json');
    writeFileSync(config, JSON.stringify({
      mcpServers: { db: { ...relayServer('db'), env: {} } },
      auth: { mode: 'jwt', issuers: [{ issuer: ISSUER, audience: 'mcp-warden', secret_env: 'WARDEN_SECRETS_TEST_KEY', algorithms: ['HS256'] }] },
      policy: { paths: [join(dir, 'allow-all.rego')], watch: false },
      audit: { path: 'audit.db' },
    }));
    // Debug level: the scan covers everything the gateway would ever log.
    const gateway = await startGatewayHttp(config, { WARDEN_SECRETS_TEST_KEY: SECRET, WARDEN_LOG_LEVEL: 'debug' });
    started.push(gateway);
    const url = new URL(gateway.url);
    const log = gateway.stderr;

    const token = await sign(SECRET, 'jti-secrets-1');
    const forged = await sign('not-the-configured-secret-but-long-enough', 'jti-forged');
    const secrets = {
      password: 'pw-Tr0ub4dor-and-3',
      apiKey: 'sk-live_9fQ2xkLmP0aZ8wErTyUiOpAsDfGh',
      token,
      tokenSignature: token.split('.')[2]!,
      forgedSignature: forged.split('.')[2]!,
    };

    const client = new Client({ name: 'secrets-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    for (let i = 0; i < 5; i += 1) {
      await client.callTool({
        name: 'db__echo',
        arguments: { message: `call ${i}`, password: secrets.password, api_key: secrets.apiKey, note: `forward with Authorization: Bearer ${token}` },
      });
    }
    await client.close();
    const intruder = new Client({ name: 'secrets-test-forged', version: '1' });
    // The HTTP auth edge refuses the forged token before any MCP handling (401).
    await expect(intruder.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${forged}` } } }))).rejects.toThrow(
      /AUTH_TOKEN_INVALID/,
    );

    const path = join(dir, 'audit.db');
    const found = (label: string, bytes: Buffer) => Object.entries(secrets).filter(([, s]) => bytes.includes(Buffer.from(s))).map(([name]) => `${name} in ${label}`);
    const whileRunning = [...found('db', readFileSync(path)), ...found('wal', readFileSync(`${path}-wal`))];

    await gateway.kill('SIGTERM');
    expect([...whileRunning, ...found('db after shutdown', readFileSync(path)), ...found('log', Buffer.from(log.join('\n')))]).toEqual([]);

    // The scan is only meaningful if the calls were recorded, with the token's id.
    const db = new Database(path, { readonly: true });
    try {
      const data = db.prepare("SELECT data FROM events WHERE kind = 'decision' AND public_name = 'db__echo'").pluck().all().map((d) => JSON.parse(d as string));
      expect(data).toHaveLength(5);
      expect(data[0]).toMatchObject({ token_id: 'jti-secrets-1', arguments: { password: '[REDACTED]', api_key: '[REDACTED]', note: 'forward with Authorization: [REDACTED:bearer]' } });
    } finally {
      db.close();
    }
    expect(log.length).toBeGreaterThan(3);
  });
});
