import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingForwarded, seen, startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';
import { initializeMessage, openCaller, openSession, post, request } from '../../../testkit/support/rpc.ts';
import { AUDIENCE, claimsOf, ISSUER, newSigningKey, REMOTE_ISSUER, signToken, STRICT_ISSUER, editPayload, unsignedToken, type TokenOptions } from '../../../testkit/support/tokens.ts';

/**
 * The HTTP auth edge of the real gateway process: really signed RS256 tokens checked by jose
 * against a JWKS file (and a JWKS HTTP server), refusals with RFC 6750/9728 challenges, and for
 * every refusal the proof that no upstream received anything and no decision was recorded.
 */
let world: World;
let alice: string;
/** A live session of alice's: refused requests are sent into it, so a forward would be visible. */
let session: string;

beforeAll(async () => {
  world = await startWorld();
  alice = await world.token();
  session = await openSession(world.gateway.url, alice);
  await waitForCatalog(await openCaller(world.gateway.url, alice), ['stdio__echo']);
});
afterAll(() => world?.close());

const echo = () => request('tools/call', { name: 'stdio__echo', arguments: { message: 'hello' } });
const metadataUrl = () => `${new URL(world.gateway.url).origin}/.well-known/oauth-protected-resource/mcp`;

async function expectRefused(options: Parameters<typeof post>[2], status: number, code: string, message: string, tokenSent: boolean) {
  const before = seen(world);
  const response = await post(world.gateway.url, echo(), { session, ...options });
  expect(response.status).toBe(status);
  expect(response.body?.error).toEqual({ code: -32003, message, data: { code } });
  // A refused token's challenge says why (RFC 6750 section 3: error_description), as the body does.
  const challenge = `Bearer resource_metadata="${metadataUrl()}"${tokenSent ? `, error="invalid_token", error_description="${message.replaceAll('"', "'")}"` : ''}`;
  expect(response.headers.get('www-authenticate')).toBe(challenge);
  expectNothingForwarded(world, before);
}

describe('HTTP authentication', () => {
  it('[auth:token-required] a request without a token gets 401 and a challenge without error=', async () => {
    await expectRefused({}, 401, 'AUTH_TOKEN_MISSING', 'no bearer token was presented', false);
  });

  it('[auth:header-only] a valid token in the query string is ignored (401 as if none was sent)', async () => {
    await expectRefused({ query: `?access_token=${alice}` }, 401, 'AUTH_TOKEN_MISSING', 'no bearer token was presented', false);
  });

  it('[auth:token-required] a non-Bearer Authorization header counts as no token', async () => {
    await expectRefused({ authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` }, 401, 'AUTH_TOKEN_MISSING', 'no bearer token was presented', false);
  });

  const refused: Array<[string, () => Promise<string>, string, string]> = [
    ['a garbled token', async () => 'not-a-jwt', 'AUTH_TOKEN_INVALID', 'the token is malformed'],
    ['a tampered payload (bob re-labelled alice)', async () => editPayload(await world.token({ sub: 'bob' }), { sub: 'alice' }), 'AUTH_TOKEN_INVALID', 'the token signature does not verify'],
    ['a token signed by an unknown key with a known kid', async () => signToken(await newSigningKey('test-key-1')), 'AUTH_TOKEN_INVALID', 'the token signature does not verify'],
    ['alg none (unsecured JWT with valid claims)', async () => unsignedToken(claimsOf(alice)), 'AUTH_ALGORITHM', 'the token algorithm is not allowed for its issuer'],
    ['a wrong issuer', () => world.token({ iss: 'https://evil.example' }), 'AUTH_ISSUER', 'the token issuer is not trusted'],
    ['a wrong audience', () => world.token({ aud: 'some-other-api' }), 'AUTH_AUDIENCE', 'the token audience does not name this gateway'],
    ['an array audience naming only others', () => world.token({ aud: ['some-other-api', 'yet-another'] }), 'AUTH_AUDIENCE', 'the token audience does not name this gateway'],
    ['exp 120 s ago (beyond the 30 s tolerance)', () => world.token({ expiresIn: -120 }), 'AUTH_TOKEN_EXPIRED', 'the token has expired'],
    ['nbf 120 s ahead (beyond the tolerance)', () => world.token({ notBefore: 120 }), 'AUTH_TOKEN_NOT_YET_VALID', 'the token is not valid yet (nbf)'],
    ['iat 120 s ahead (beyond the tolerance)', () => world.token({ issuedAt: 120 }), 'AUTH_TOKEN_NOT_YET_VALID', 'the token is issued in the future (iat)'],
    ['exp 5 s ago under an issuer with no tolerance', () => world.token({ iss: STRICT_ISSUER, expiresIn: -5 }), 'AUTH_TOKEN_EXPIRED', 'the token has expired'],
    ['an unknown crit header parameter', () => world.token({ header: { crit: ['urn:example:unknown'], 'urn:example:unknown': true } }), 'AUTH_TOKEN_INVALID', 'the token uses an unsupported feature (crit header or algorithm)'],
  ];
  it.each(refused)('[auth:invalid-token-401] %s is refused with 401 error="invalid_token" and nothing is forwarded', async (_name, make, code, message) => {
    await expectRefused({ token: await make() }, 401, code, message, true);
  });

  const accepted: Array<[string, TokenOptions]> = [
    ['an array audience that includes ours', { aud: ['some-other-api', AUDIENCE] }],
    ['exp 10 s ago (within the 30 s tolerance)', { expiresIn: -10 }],
    ['nbf 10 s ahead (within the tolerance)', { notBefore: 10 }],
    ['iat 10 s ahead (within the tolerance)', { issuedAt: 10 }],
  ];
  it.each(accepted)('[auth:clock-tolerance] %s is accepted and the call reaches the upstream once', async (_name, options) => {
    const before = world.upstreams.calls('stdio');
    const response = await post(world.gateway.url, echo(), { token: await world.token(options), session });
    expect(response.status).toBe(200);
    expect(response.body?.result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    expect(world.upstreams.calls('stdio')).toBe(before + 1);
  });

  it('[auth:resource-metadata] the RFC 9728 metadata document named by the challenge is served without a token', async () => {
    const response = await fetch(metadataUrl());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: world.gateway.url,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:use'],
    });
    const root = await fetch(`${new URL(world.gateway.url).origin}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(200);
  });

  it('[auth:anonymous-surface] without a token, /readyz and /livez answer with counts and the policy revision only: no upstream, tool or principal named', async () => {
    const response = await fetch(`${new URL(world.gateway.url).origin}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ ready: true, audit: 'ok', draining: false, upstreams: { connected: expect.any(Number), total: 3, circuits: { open: 0, half_open: 0 } }, policy_revision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    const live = await fetch(`${new URL(world.gateway.url).origin}/livez`);
    expect(await live.json()).toEqual({ live: true, draining: false });
    // Anything else without a token is refused, whatever the path.
    expect((await fetch(`${new URL(world.gateway.url).origin}/admin`)).status).toBe(401);
  });

  it('[auth:required-scopes] a valid token without the required scope gets 403 insufficient_scope, nothing forwarded', async () => {
    const before = seen(world);
    const response = await post(world.gateway.url, echo(), { session, token: await world.token({ scope: 'profile email' }) });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="mcp:use", resource_metadata="${metadataUrl()}"`);
    expect(response.body?.error).toMatchObject({ code: -32003, data: { code: 'AUTH_INSUFFICIENT_SCOPE' } });
    expectNothingForwarded(world, before);
  });
});

describe('HTTP sessions', () => {
  it('[auth:expiry-in-session] a token that expires inside a live session is refused from then on', async () => {
    const token = await world.token({ iss: STRICT_ISSUER, expiresIn: 2 });
    const own = await openSession(world.gateway.url, token);
    const ok = await post(world.gateway.url, echo(), { token, session: own });
    expect(ok.body?.result).toBeDefined();
    // Past exp (whole seconds) with the issuer's clock_tolerance of 0; the verified-token cache must not outlive exp.
    await new Promise((resolve) => setTimeout(resolve, (Number(claimsOf(token).exp) + 1) * 1000 - Date.now()));
    const before = seen(world);
    const response = await post(world.gateway.url, echo(), { token, session: own });
    expect(response.status).toBe(401);
    expect(response.body?.error).toEqual({ code: -32003, message: 'the token has expired', data: { code: 'AUTH_TOKEN_EXPIRED' } });
    expectNothingForwarded(world, before);
  });

  it('[auth:session-bound-to-principal] a session id presented with another principal\'s valid token answers 404', async () => {
    const bob = await world.token({ sub: 'bob' });
    const before = seen(world);
    const stolen = await post(world.gateway.url, echo(), { token: bob, session });
    expect(stolen.status).toBe(404);
    expectNothingForwarded(world, before);
    // Same sub from another trusted issuer is another principal too (the binding is iss + sub).
    const sameSubOtherIssuer = await post(world.gateway.url, echo(), { token: await world.token({ iss: STRICT_ISSUER }), session });
    expect(sameSubOtherIssuer.status).toBe(404);
    expectNothingForwarded(world, before);
    // Nor can bob listen on its notification stream (GET) or end it (DELETE).
    const bobHeaders = { authorization: `Bearer ${bob}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    expect((await fetch(world.gateway.url, { headers: { ...bobHeaders, accept: 'text/event-stream' } })).status).toBe(404);
    expect((await fetch(world.gateway.url, { method: 'DELETE', headers: bobHeaders })).status).toBe(404);
    // The owner still uses it.
    expect((await post(world.gateway.url, echo(), { token: alice, session })).status).toBe(200);
  });
});

/** Opens the legacy SSE stream (GET /sse) and resolves the POST endpoint it announces. */
async function legacySession(token: string): Promise<{ endpoint: string; close(): void }> {
  const abort = new AbortController();
  const response = await fetch(new URL('/sse', world.gateway.url), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`SSE stream ended before the endpoint event: ${text}`);
    text += Buffer.from(value).toString();
    const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
    if (endpoint) return { endpoint: new URL(endpoint, world.gateway.url).href, close: () => abort.abort() };
  }
}

describe('legacy SSE sessions', () => {
  it('[auth:session-bound-to-principal] a legacy SSE session id posted with another principal\'s token answers 404', async () => {
    const sse = await legacySession(alice);
    try {
      const before = seen(world);
      const stolen = await fetch(sse.endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${await world.token({ sub: 'bob' })}`, 'content-type': 'application/json' },
        body: JSON.stringify(initializeMessage()),
      });
      expect(stolen.status).toBe(404);
      expectNothingForwarded(world, before);
      // The owner is accepted on the same endpoint (202: the answer travels on the stream).
      const own = await fetch(sse.endpoint, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, body: JSON.stringify(initializeMessage()) });
      expect(own.status).toBe(202);
    } finally {
      sse.close();
    }
  });

  it('[auth:token-required] the legacy SSE stream and its POST endpoint need a token too', async () => {
    const stream = await fetch(new URL('/sse', world.gateway.url), { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(401);
    expect(stream.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl()}"`);
    const sse = await legacySession(alice);
    try {
      const anonymous = await fetch(sse.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(initializeMessage()) });
      expect(anonymous.status).toBe(401);
    } finally {
      sse.close();
    }
  });
});

describe('remote key set', () => {
  it('[auth:keys-unavailable-503] with the JWKS server down, an unknown kid gets 503 AUTH_KEYS_UNAVAILABLE and nothing is forwarded', async () => {
    const remote = await world.token({ iss: REMOTE_ISSUER });
    const own = await openSession(world.gateway.url, remote);
    expect((await post(world.gateway.url, echo(), { token: remote, session: own })).status).toBe(200);

    const ok = world.jwksServer.behaviour;
    world.jwksServer.behaviour = { kind: 'down' };
    try {
      const rotated = await signToken(await newSigningKey('rotated-key'), { iss: REMOTE_ISSUER });
      const before = seen(world);
      const fetches = world.jwksServer.requests;
      const response = await post(world.gateway.url, echo(), { token: rotated, session: own });
      expect(response.status).toBe(503);
      expect(response.body?.error).toEqual({ code: -32003, message: 'Authentication is temporarily unavailable', data: { code: 'AUTH_KEYS_UNAVAILABLE' } });
      expect(world.jwksServer.requests).toBeGreaterThan(fetches); // it really tried the key set
      expectNothingForwarded(world, before);
    } finally {
      world.jwksServer.behaviour = ok;
    }
  });
});
