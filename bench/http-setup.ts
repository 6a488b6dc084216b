/**
 * What the HTTP benches (http.bench.ts, http-ab.ts) put behind and in front of a gateway: the
 * minimal `node:http` upstream, a config with every security stage on (a really signed HS256
 * JWT, a Rego policy that reads the principal and the tool, the SQLite audit), and the callers of
 * both eras.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { listeningUrl, type ListeningProcess, startListeningProcess } from '../src/cli/launch-process.ts';
import { expectResult, type Post } from './http-caller.ts';

const MODERN = '2026-07-28';
const SECRET = 'bench-only-hs256-secret-of-at-least-32-bytes!';
const ISSUER = 'https://bench.invalid';
const AUDIENCE = 'mcp-warden';
const UPSTREAM = fileURLToPath(new URL('./minimal-upstream.ts', import.meta.url));

/** The gateway's environment: the secret its config names. */
export const BENCH_ENV = { WARDEN_BENCH_SECRET: SECRET };

/** Rows a caller may see and call: reads the principal's roles and the tool, like a real policy. */
const POLICY = `package mcp.authz

default allow := false

allow if {
	"bench" in input.principal.roles
	input.tool.server == "min"
}
`;

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'warden-bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export function startMinimalUpstream(): Promise<ListeningProcess> {
  return startListeningProcess(process.execPath, ['--import', 'tsx', UPSTREAM], {}, listeningUrl);
}

/** Writes the policy and `warden.config.json` into `dir`; returns the config's path. */
export function writeBenchConfig(dir: string, upstreamUrl: string): string {
  writeFileSync(join(dir, 'bench.rego'), POLICY);
  const config = {
    mcpServers: { min: { type: 'http', url: upstreamUrl } },
    auth: { mode: 'jwt', issuers: [{ issuer: ISSUER, audience: AUDIENCE, secret_env: 'WARDEN_BENCH_SECRET', algorithms: ['HS256'] }] },
    policy: { paths: [join(dir, 'bench.rego')], watch: false },
    audit: { path: join(dir, 'audit.db') },
  };
  const path = join(dir, 'warden.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export function benchToken(): Promise<string> {
  return new SignJWT({ roles: ['bench'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench-user')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));
}

let nextId = 1;
export const echo = (name: string, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: nextId++,
  method: 'tools/call',
  params: { name, arguments: { message: 'hello' }, ...(meta ? { _meta: meta } : {}) },
});

/** An old-era session: initialize, initialized, then calls carrying the session id. */
export async function oldEraCall(post: Post): Promise<() => Promise<unknown>> {
  const init = await post({ jsonrpc: '2.0', id: nextId++, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'warden-bench', version: '1.0.0' } } });
  expectResult(init);
  const session = String(init.headers['mcp-session-id']);
  const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return async () => expectResult(await post(echo('min__echo'), headers));
}

/** A new-era caller: every request carries its envelope and the standard headers; no session. */
export function newEraCall(post: Post): () => Promise<unknown> {
  const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'min__echo' };
  return async () => expectResult(await post(echo('min__echo', ENVELOPE), headers));
}

/** Whether this gateway serves the new era at all (it did not before issue 11). */
export async function servesNewEra(post: Post): Promise<boolean> {
  const answer = await post({ jsonrpc: '2.0', id: nextId++, method: 'server/discover', params: { _meta: ENVELOPE } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' });
  return answer.status === 200 && answer.body?.result !== undefined;
}
