/**
 * The gateway as production runs it: `node bin/warden.js serve --config <tmp> --http --port 0`
 * (or `--stdio`), over `buildServices`' real authenticator (jose), Rego engine and SQLite audit.
 * The config is written into a temp dir together with the JWKS file and the test policy.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServerEntry } from '../../../../src/config/schema.ts';
import { startGatewayHttp } from '../../../fixtures/gateway.ts';
import { AUDIENCE, ISSUER, jwks, REMOTE_ISSUER, SCOPE, STRICT_ISSUER, type SigningKey } from './tokens.ts';

const WARDEN = fileURLToPath(new URL('../../../../bin/warden.js', import.meta.url));
export const TEST_POLICY = fileURLToPath(new URL('./policy.rego', import.meta.url));

export interface GatewayDirOptions {
  /** An existing temp dir (from tempDir()) to write into. */
  dir: string;
  mcpServers: Record<string, McpServerEntry>;
  key: SigningKey;
  /** JWKS URL for REMOTE_ISSUER; omitted: no remote issuer. */
  remoteJwks?: string;
  /** REMOTE_ISSUER's jwks_cooldown_ms (default 0: every unknown kid refetches). */
  jwksCooldownMs?: number;
  /** Watch the policy file (hot reload tests). */
  watch?: boolean;
}

export interface GatewayDir {
  dir: string;
  config: string;
  policy: string;
  audit: string;
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'warden-sec-'));

/** Writes into `dir` warden.config.json, jwks.json and policy.rego (a copy: tests may rewrite it). */
export function writeGatewayDir(options: GatewayDirOptions): GatewayDir {
  const { dir } = options;
  const policy = join(dir, 'policy.rego');
  copyFileSync(TEST_POLICY, policy);
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(options.key)));
  const local = { audience: [AUDIENCE, 'https://other.example'], jwks_file: 'jwks.json', algorithms: ['RS256'] };
  const issuers: object[] = [{ issuer: ISSUER, ...local }, { issuer: STRICT_ISSUER, ...local, clock_tolerance: 0 }];
  if (options.remoteJwks) {
    issuers.push({ issuer: REMOTE_ISSUER, audience: AUDIENCE, jwks_uri: options.remoteJwks, algorithms: ['RS256'], jwks_cooldown_ms: options.jwksCooldownMs ?? 0, jwks_timeout_ms: 1000 });
  }
  const config = {
    mcpServers: options.mcpServers,
    auth: {
      mode: 'jwt',
      issuers,
      required_scopes: [SCOPE],
      authorization_servers: [ISSUER],
      scopes_supported: [SCOPE],
    },
    policy: { paths: ['policy.rego'], watch: options.watch ?? false, watch_debounce_ms: 50 },
    audit: { path: 'audit.db' },
  };
  const file = join(dir, 'warden.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, config: file, policy, audit: join(dir, 'audit.db') };
}

export interface RunningGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  url: string;
  stderr: string[];
  close(): Promise<void>;
}

export async function startGateway(dir: GatewayDir, env: Record<string, string> = {}): Promise<RunningGateway> {
  const proc = await startGatewayHttp(dir.config, { WARDEN_LOG_LEVEL: 'info', ...env });
  return { url: proc.url, stderr: proc.stderr, close: proc.close };
}

/** The gateway as a stdio server, the way Claude Code starts it: the token in WARDEN_TOKEN. */
export function gatewayStdioEntry(dir: GatewayDir, token: string): McpServerEntry {
  return { command: process.execPath, args: [WARDEN, 'serve', '--config', dir.config, '--stdio'], env: { WARDEN_TOKEN: token, WARDEN_LOG_LEVEL: 'silent' } };
}
