/**
 * A real identity provider end to end (issue 16): `oidc-provider` on loopback is the issuer of
 * `warden serve`. An MCP client (the SDK v2 client's own OAuth support, as Claude Code and other
 * clients use it) finds the provider the way the spec says: 401 + `WWW-Authenticate` -> RFC 9728
 * metadata -> authorization server metadata -> code + PKCE with the gateway as the resource
 * (RFC 8707) -> token -> tool calls. Then the provider rotates its signing key and the running
 * gateway accepts the new key's tokens (JWKS refetch on the unknown kid) while a forged key is
 * still refused, and the console logs in against the same provider (HTTP, following redirects).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, type OAuthClientProvider, type OAuthDiscoveryState, StreamableHTTPClientTransport, type StoredOAuthTokens, UnauthorizedError } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { startGatewayHttp } from '../../../testkit/support/gateway-process.ts';
import { type Idp, startIdp } from '../../../testkit/support/oidc-provider.ts';
import { freePort } from '../../../testkit/support/servers.ts';
import { newSigningKey } from '../../../testkit/support/tokens.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A native client's loopback redirect (RFC 8252 7.3): the test reads the code from it instead. */
const CLI_REDIRECT = 'http://127.0.0.1:8976/callback';
const SCOPE = 'mcp:tools';

const { dir, cleanup } = tempDir('oidc-provider');
let idp: Idp;
let gateway: ListeningProcess;
let origin: string;
let resource: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  resource = `${origin}/mcp`;
  idp = await startIdp({
    clients: [
      { client_id: 'mcp-cli', application_type: 'native', redirect_uris: [CLI_REDIRECT] },
      { client_id: 'warden-console', application_type: 'web', redirect_uris: [`${origin}/console/callback`] },
    ],
    resources: [resource],
    roles: new Map([['ada', ['admin']], ['rex', ['reporter']]]),
    resourceScope: SCOPE,
  });
  const kitchen = fixtureCommand('kitchen-sink', 'stdio');
  const config = {
    mcpServers: { kitchen: { command: kitchen.command, args: kitchen.args } },
    auth: {
      // cooldown 0: the second fetch (after the rotation) need not wait the default 30 s.
      issuers: [{ issuer: idp.issuer, audience: resource, jwks_uri: `${idp.issuer}/jwks`, algorithms: ['RS256'], jwks_cooldown_ms: 0 }],
      resource,
      authorization_servers: [idp.issuer],
      scopes_supported: [SCOPE],
      required_scopes: [SCOPE],
    },
    policy: { paths: [join(ROOT, 'policies')], watch: false },
    audit: { path: join(dir, 'audit.db') },
    console: { enabled: true, oidc: { issuer: idp.issuer, client_id: 'warden-console', scope: `openid ${SCOPE}`, resource } },
  };
  const path = join(dir, 'warden.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  gateway = await startGatewayHttp(path, {}, [], port);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await idp?.close();
  cleanup();
});

/** What a CLI keeps between runs: a pre-registered public client, its tokens and verifier. */
type CliProvider = OAuthClientProvider & { redirectedTo?: URL; stored?: StoredOAuthTokens; discovered?: OAuthDiscoveryState };

function cliProvider(): CliProvider {
  let verifier = '';
  const provider: CliProvider = {
    redirectUrl: CLI_REDIRECT,
    clientMetadata: { client_name: 'mcp-cli', redirect_uris: [CLI_REDIRECT], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: SCOPE },
    clientInformation: () => ({ client_id: 'mcp-cli' }),
    tokens: () => provider.stored,
    saveTokens: (tokens) => {
      provider.stored = tokens;
    },
    redirectToAuthorization: (url) => {
      provider.redirectedTo = url;
    },
    saveCodeVerifier: (value) => {
      verifier = value;
    },
    codeVerifier: () => verifier,
    // Kept with the verifier, so the callback is checked against the server it was sent to (RFC 9207 iss).
    saveDiscoveryState: (state) => {
      provider.discovered = state;
    },
    discoveryState: () => provider.discovered,
  };
  return provider;
}

/** Every request the client made, in order, with the status it got. */
type Seen = Array<{ method: string; url: string; status: number; authenticate: string | null }>;

function recordingFetch(seen: Seen): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    seen.push({ method: init?.method ?? 'GET', url, status: response.status, authenticate: response.headers.get('www-authenticate') });
    return response;
  };
}

/** Connects as a CLI would: the first attempt ends in the browser, the second with a token. */
async function loginAndConnect(login: string, seen: Seen = []): Promise<{ client: Client; provider: CliProvider }> {
  const provider = cliProvider();
  const fetchFn = recordingFetch(seen);
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: fetchFn });
  await expect(new Client({ name: 'oauth-cli', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.redirectedTo).toBeDefined();
  const back = await idp.authorize(provider.redirectedTo!, login);
  expect(back.origin + back.pathname).toBe(CLI_REDIRECT);
  await first.finishAuth(back.searchParams);
  const client = new Client({ name: 'oauth-cli', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider, fetch: fetchFn }));
  return { client, provider };
}

function jwtHeader(token: string): { kid?: string; typ?: string } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid?: string; typ?: string };
}

async function postTools(token: string): Promise<Response> {
  return fetch(resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
}

describe('an MCP client against the gateway behind oidc-provider', () => {
  it('discovers the provider from the 401, gets a token by code + PKCE for the gateway as resource, and calls tools', async () => {
    const seen: Seen = [];
    const { client, provider } = await loginAndConnect('ada', seen);
    try {
      const result = await client.callTool({ name: 'kitchen__echo', arguments: { message: 'through a real IdP' } });
      expect(JSON.stringify(result.content)).toContain('through a real IdP');
    } finally {
      await client.close();
    }
    // The discovery chain, in the order the MCP authorization spec gives.
    const challenge = seen.find((entry) => entry.status === 401);
    expect(challenge?.authenticate).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
    const order = (predicate: (url: URL) => boolean) => seen.findIndex((entry) => predicate(new URL(entry.url)));
    const metadataAt = order((url) => url.pathname === '/.well-known/oauth-protected-resource/mcp');
    const serverMetadataAt = order((url) => url.origin === idp.issuer && url.pathname.startsWith('/.well-known/'));
    const tokenAt = order((url) => url.origin === idp.issuer && url.pathname === '/token');
    expect(seen.indexOf(challenge!)).toBeLessThan(metadataAt);
    expect(metadataAt).toBeLessThan(serverMetadataAt);
    expect(serverMetadataAt).toBeLessThan(tokenAt);
    const asked = provider.redirectedTo!.searchParams;
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('resource')).toBe(resource);
    // An RFC 9068 access token, for the gateway only, with the provider's roles claim.
    const token = provider.stored!.access_token;
    expect(jwtHeader(token).typ).toBe('at+jwt');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: idp.issuer, aud: resource, sub: 'ada', roles: ['admin'], scope: SCOPE });
  });

  it('hides and refuses the tools that the roles the provider gave do not allow', async () => {
    const { client } = await loginAndConnect('rex');
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([]);
      await expect(client.callTool({ name: 'kitchen__echo', arguments: { message: 'no' } })).rejects.toMatchObject({ data: { code: 'TOOL_NOT_FOUND' } });
    } finally {
      await client.close();
    }
  });

  it('accepts tokens signed with a rotated key without a restart, and still refuses a forged key', async () => {
    const before = idp.jwksFetches();
    const oldKid = idp.signingKid();
    await idp.rotate();
    expect(idp.signingKid()).not.toBe(oldKid);
    const { client, provider } = await loginAndConnect('ada');
    try {
      expect(jwtHeader(provider.stored!.access_token).kid).toBe(idp.signingKid());
      const result = await client.callTool({ name: 'kitchen__echo', arguments: { message: 'after rotation' } });
      expect(JSON.stringify(result.content)).toContain('after rotation');
    } finally {
      await client.close();
    }
    // The unknown kid made the running gateway fetch the provider's JWKS again.
    expect(idp.jwksFetches()).toBeGreaterThan(before);
    expect(() => process.kill(gateway.pid, 0)).not.toThrow();

    // Right issuer, audience, scope and claims, but a key the provider never published.
    const forger = await newSigningKey('idp-key-9');
    const now = Math.floor(Date.now() / 1000);
    for (const kid of ['idp-key-9', idp.signingKid()]) {
      const forged = await new SignJWT({ roles: ['admin'], scope: SCOPE })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
        .setIssuer(idp.issuer)
        .setAudience(resource)
        .setSubject('ada')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(forger.privateKey);
      const response = await postTools(forged);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await response.body?.cancel();
    }
  });
});

describe('the console against the same provider', () => {
  it('logs in by code + PKCE, following redirects and cookies as a browser does, and reads as the provider user', async () => {
    const start = await fetch(`${origin}/console/login/oidc`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const authorization = new URL(start.headers.get('location')!);
    expect(authorization.origin).toBe(idp.issuer);
    expect(authorization.searchParams.get('resource')).toBe(resource);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');

    const back = await idp.authorize(authorization, 'ada');
    expect(back.origin + back.pathname).toBe(`${origin}/console/callback`);
    const callback = await fetch(back, { redirect: 'manual' });
    const page = await callback.text();
    expect(callback.status, page).toBe(200);
    const cookie = callback.headers.getSetCookie()[0]!.split(';')[0]!;

    const me = await fetch(`${origin}/console/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ sub: 'ada', iss: idp.issuer, roles: ['admin'] });
    // The calls the MCP client made above, as the console shows them to this principal.
    const decisions = await fetch(`${origin}/console/api/decisions?tool=kitchen__echo`, { headers: { cookie } });
    expect(decisions.status).toBe(200);
    const { rows } = (await decisions.json()) as { rows: Array<{ sub: string; decision: string }> };
    expect(rows.some((row) => row.sub === 'ada' && row.decision === 'allow')).toBe(true);
  });

  it('refuses a callback whose state it never issued', async () => {
    const response = await fetch(`${origin}/console/callback?code=stolen&state=invented&iss=${encodeURIComponent(idp.issuer)}`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
