/**
 * A real OpenID provider for tests: `oidc-provider` (certified) on 127.0.0.1, issuing RFC 9068
 * JWT access tokens for a resource (RFC 8707) after an authorization code + PKCE flow. Its dev
 * interactions (a login form that takes any name, then a consent form) are driven with plain
 * HTTP by `authorize`, following redirects and keeping its cookies, as a browser would.
 * `rotate` puts a new signing key first (the old one still published, as a real rollover does)
 * behind the same listener, without a restart of anything that trusts the provider.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration, errors } from 'oidc-provider';

export interface IdpClient {
  client_id: string;
  redirect_uris: string[];
  /** `native` for a CLI such as Claude Code (loopback redirects), `web` for the console. */
  application_type: 'native' | 'web';
}

export interface IdpOptions {
  clients: IdpClient[];
  /** The resource indicators the provider issues tokens for; each token's `aud` is the resource. */
  resources: string[];
  /** Roles per account id, put in the access token's `roles` claim. */
  roles: Map<string, string[]>;
  /** The scope a token for a resource carries. */
  resourceScope: string;
}

export interface Idp {
  issuer: string;
  /** How many times the JWKS was fetched (by the gateway: nobody else asks). */
  jwksFetches(): number;
  /** The kid the provider signs with now. */
  signingKid(): string;
  /**
   * Follows an authorization URL through login (as `login`) and consent; returns the redirect
   * back to the client (its `code`, `state` and `iss` parameters).
   */
  authorize(authorizationUrl: URL | string, login: string): Promise<URL>;
  /** A new signing key first in the JWKS, the previous ones kept after it. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

type PrivateJwk = JWK & { kid: string };

async function newKey(kid: string): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

export async function startIdp(options: IdpOptions): Promise<Idp> {
  let fetches = 0;
  let keys: PrivateJwk[] = [await newKey('idp-key-1')];
  let provider: Provider | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (req.url === '/jwks') fetches += 1;
    callback!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration = (): Configuration => ({
    clients: options.clients.map((client) => ({
      ...client,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys },
    // Grants, codes and sessions live in the module's memory adapter, shared by the instances.
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    // Explicit lifetimes (seconds): the defaults work but print a notice each.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    scopes: ['openid', options.resourceScope],
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    extraTokenClaims: (_ctx, token) => ('accountId' in token && typeof token.accountId === 'string' ? { roles: options.roles.get(token.accountId) ?? [] } : undefined),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!options.resources.includes(resource)) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return { scope: options.resourceScope, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
  });
  const build = (): void => {
    provider = new Provider(issuer, configuration());
    callback = provider.callback();
  };
  build();

  return {
    issuer,
    jwksFetches: () => fetches,
    signingKid: () => keys[0]!.kid,
    async authorize(authorizationUrl, login) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      let body: URLSearchParams | undefined;
      for (let hop = 0; hop < 12; hop += 1) {
        const response = await fetch(url, {
          method: body ? 'POST' : 'GET',
          redirect: 'manual',
          headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(body ? { body } : {}),
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const at = pair!.indexOf('=');
          jar.set(pair!.slice(0, at), pair!.slice(at + 1));
        }
        body = undefined;
        const location = response.headers.get('location');
        if (location !== null) {
          await response.body?.cancel();
          const next = new URL(location, url);
          if (next.origin !== issuer) return next;
          url = next;
          continue;
        }
        const page = await response.text();
        if (response.status !== 200) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${page.slice(0, 300)}`);
        // A dev interaction page: the login form, or the consent form.
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (prompt === undefined) throw new Error(`no form at ${url.pathname}: ${page.slice(0, 300)}`);
        body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      }
      throw new Error('the provider never redirected back to the client');
    },
    async rotate() {
      keys = [await newKey(`idp-key-${keys.length + 1}`), ...keys];
      build();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
