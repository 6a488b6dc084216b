import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { auditRows } from '../../../testkit/support/audit.ts';
import { stdioEntryWithToken, tempDir, writeGatewayDir } from '../../../testkit/support/worlds/security.ts';
import { claimsOf, newSigningKey, signToken, STRICT_ISSUER, type SigningKey, type TokenOptions } from '../../../testkit/support/tokens.ts';

/**
 * The stdio edge as Claude Code runs it: the client starts `warden serve --stdio` with the token
 * in WARDEN_TOKEN; the gateway verifies it for every request (its expiry included) against the
 * JWKS file, in front of a stdio kitchen-sink that counts the calls it receives.
 */
let key: SigningKey;
beforeAll(async () => {
  key = await newSigningKey('stdio-key');
});

interface StdioGateway {
  client: Client;
  /** The environment the gateway gave its stdio upstream child. */
  upstreamEnv(): Record<string, string>;
  /** tools/call requests the upstream received. */
  calls(): number;
  audit: string;
}

/**
 * Starts a stdio gateway (own temp dir, own kitchen-sink child and calls file) with `token` in
 * WARDEN_TOKEN; the client, and with it both processes, is closed after `use`.
 */
async function withGateway(token: TokenOptions | string, use: (gateway: StdioGateway) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const callsFile = join(dir, 'calls.json');
  // The kitchen-sink, started through a script that first dumps its environment to env.json.
  const sink = { ...fixtureCommand('env-dump-sink', 'stdio'), env: { KITCHEN_SINK_CALLS_FILE: callsFile, ENV_DUMP_FILE: join(dir, 'env.json') } };
  const gateway = writeGatewayDir({ dir, key, mcpServers: { stdio: sink } });
  const jwt = typeof token === 'string' ? token : await signToken(key, token);
  const client = await connectClient(stdioEntryWithToken(gateway, jwt), {}, { stderr: 'ignore' });
  const calls = () => {
    try {
      return (JSON.parse(readFileSync(callsFile, 'utf8')) as { total: number }).total;
    } catch {
      return 0; // the upstream child has not started yet
    }
  };
  try {
    const upstreamEnv = () => JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    await use({ client, calls, audit: gateway.audit, upstreamEnv });
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const echo = { name: 'stdio__echo', arguments: { message: 'hello' } };
const sleepUntil = (epochSeconds: number) => new Promise((resolve) => setTimeout(resolve, epochSeconds * 1000 - Date.now()));

/** Waits until the upstream joined the catalog (the gateway answers before its stdio child is up). */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const listed = (client: Client) => until(async () => ((await client.listTools()).tools.some((t) => t.name === echo.name) ? true : undefined), 'stdio__echo to be listed');

// Concurrent: each test owns its gateway process, and starting one is most of a test's time.
describe.concurrent('stdio edge (WARDEN_TOKEN)', () => {
  it('[auth:stdio-token] alice\'s WARDEN_TOKEN is verified and her call is forwarded once', async () => {
    await withGateway({}, async ({ client, calls }) => {
      await listed(client);
      expect(await client.callTool(echo)).toEqual({ content: [{ type: 'text', text: 'hello' }] });
      expect(calls()).toBe(1);
    });
  });

  it('[auth:token-never-upstream] the stdio upstream child does not inherit WARDEN_TOKEN or the token in any variable', async () => {
    const token = await signToken(key, {});
    await withGateway(token, async ({ client, upstreamEnv }) => {
      await listed(client);
      const env = upstreamEnv();
      expect(env.KITCHEN_SINK_CALLS_FILE).toBeDefined(); // the entry's own env does arrive
      expect(env).not.toHaveProperty('WARDEN_TOKEN');
      expect(JSON.stringify(env)).not.toContain(token.split('.')[2]!);
    });
  });

  it('[auth:principal-from-token-only] bob\'s WARDEN_TOKEN sees no tools and his call is refused like an unknown tool', async () => {
    await withGateway({ sub: 'bob' }, async ({ client, calls, audit }) => {
      // Bob cannot see the tool, so readiness is the first policy denial of his call (before, the tool is truly unknown).
      const denied = await until(async () => {
        const error = await client.callTool(echo).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND', name: 'stdio__echo' } });
        return auditRows(audit).find((r) => r.kind === 'decision' && r.public_name === echo.name);
      }, 'a decision on stdio__echo');
      expect(denied).toMatchObject({ sub: 'bob', decision: 'deny', method: 'tools/call' });
      expect((await client.listTools()).tools).toEqual([]);
      expect(calls()).toBe(0);
    });
  });

  it('[auth:token-required] without WARDEN_TOKEN every request is refused with AUTH_TOKEN_MISSING', async () => {
    await withGateway('', async ({ client, calls }) => {
      // stdio has no header: the message names the variable the gateway reads.
      const missing = { code: -32003, message: expect.stringContaining('WARDEN_TOKEN in the environment'), data: { code: 'AUTH_TOKEN_MISSING' } };
      await expect(client.listTools()).rejects.toMatchObject(missing);
      await expect(client.callTool(echo)).rejects.toMatchObject(missing);
      expect(calls()).toBe(0);
    });
  });

  it('[auth:stdio-expired-token] an expired WARDEN_TOKEN refuses every request with AUTH_TOKEN_EXPIRED', async () => {
    await withGateway({ expiresIn: -120 }, async ({ client, calls, audit }) => {
      const expired = { code: -32003, message: 'MCP error -32003: the token has expired', data: { code: 'AUTH_TOKEN_EXPIRED' } };
      await expect(client.listTools()).rejects.toMatchObject(expired);
      await expect(client.callTool(echo)).rejects.toMatchObject(expired);
      await expect(client.listPrompts()).rejects.toMatchObject(expired);
      await expect(client.readResource({ uri: 'kitchen://static/hello' })).rejects.toMatchObject(expired);
      await expect(client.getPrompt({ name: 'stdio__greet', arguments: { name: 'x' } })).rejects.toMatchObject(expired);
      expect(calls()).toBe(0);
      expect(auditRows(audit).filter((r) => r.kind === 'decision')).toEqual([]);
    });
  });

  it('[auth:expiry-in-session] a WARDEN_TOKEN that expires while the gateway runs is refused from then on', async () => {
    // Long enough for the gateway to start while the other tests start theirs on 2 busy cores
    // (up to ~10 s seen); this issuer has no clock tolerance, so the refusal follows exp at once.
    const token = await signToken(key, { iss: STRICT_ISSUER, expiresIn: 20 });
    await withGateway(token, async ({ client, calls }) => {
      await listed(client);
      expect(await client.callTool(echo)).toEqual({ content: [{ type: 'text', text: 'hello' }] });
      await sleepUntil(Number(claimsOf(token).exp) + 1);
      await expect(client.callTool(echo)).rejects.toMatchObject({ code: -32003, data: { code: 'AUTH_TOKEN_EXPIRED' } });
      expect(calls()).toBe(1);
    });
  });
});
