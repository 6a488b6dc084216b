import { resolve } from 'node:path';
import * as oauth from 'oauth4webapi';
import { type Authenticator, loadSigningKey, type Principal, signToken } from '../auth/index.ts';
import { WardenError } from '../errors.ts';
import type { DevLoginConfig, OidcLoginConfig } from './config.ts';

/**
 * The two ways into the console. OIDC: authorization code + PKCE (S256) against the configured
 * provider, asking for the gateway as the resource (RFC 8707), so the access token is one the
 * gateway's own authenticator accepts; oauth4webapi does discovery, the callback checks (state,
 * issuer) and the token request. DEV-ONLY: a short-lived token for one of the configured example
 * users, signed with a key the gateway trusts (the example deployment's).
 */
export interface OidcLogin {
  /** Where to send the browser; remembers the verifier for `finish`. */
  start(redirectUri: string): Promise<URL>;
  /** The access token for the callback's code. */
  finish(callback: URL): Promise<string>;
}

const PENDING_MAX = 1000;
const PENDING_MS = 10 * 60_000;

export function createOidcLogin(config: OidcLoginConfig, env: NodeJS.ProcessEnv = process.env): OidcLogin {
  const issuer = new URL(config.issuer);
  // http only for a provider on loopback (tests, local development): the config schema allows it.
  const insecure = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };
  const client: oauth.Client = { client_id: config.client_id };
  const secret = config.client_secret_env === undefined ? undefined : env[config.client_secret_env];
  if (config.client_secret_env !== undefined && !secret) throw new WardenError('CONFIG_INVALID', `console.oidc.client_secret_env: ${config.client_secret_env} is not set`);
  const clientAuth = secret === undefined ? oauth.None() : oauth.ClientSecretPost(secret);
  let server: Promise<oauth.AuthorizationServer> | undefined;
  const discover = (): Promise<oauth.AuthorizationServer> =>
    (server ??= oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', ...insecure })
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        server = undefined;
        throw new WardenError('AUTH_KEYS_UNAVAILABLE', `console login: the provider ${issuer.href} cannot be discovered: ${(error as Error).message}`, { cause: error });
      }));
  const pending = new Map<string, { verifier: string; redirectUri: string; until: number }>();

  return {
    async start(redirectUri) {
      const as = await discover();
      if (as.authorization_endpoint === undefined) throw new WardenError('AUTH_KEYS_UNAVAILABLE', `console login: ${issuer.href} has no authorization endpoint`);
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      for (const [key, entry] of pending) if (entry.until < Date.now() || pending.size >= PENDING_MAX) pending.delete(key);
      pending.set(state, { verifier, redirectUri, until: Date.now() + PENDING_MS });
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', config.client_id);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', config.scope);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      url.searchParams.set('state', state);
      if (config.resource !== undefined) url.searchParams.set('resource', config.resource);
      return url;
    },
    async finish(callback) {
      const as = await discover();
      const state = callback.searchParams.get('state') ?? '';
      const entry = pending.get(state);
      pending.delete(state);
      if (entry === undefined || entry.until < Date.now()) throw new WardenError('AUTH_TOKEN_INVALID', 'console login: unknown or expired login attempt; start again');
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callback, state);
      } catch (error) {
        throw new WardenError('AUTH_TOKEN_INVALID', `console login: the provider answered ${(error as Error).message}`, { cause: error });
      }
      const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, entry.redirectUri, entry.verifier, {
        ...insecure,
        ...(config.resource === undefined ? {} : { additionalParameters: { resource: config.resource } }),
      });
      const result = await oauth.processAuthorizationCodeResponse(as, client, response).catch((error: unknown) => {
        throw new WardenError('AUTH_TOKEN_INVALID', `console login: the token request failed: ${(error as Error).message}`, { cause: error });
      });
      return result.access_token;
    },
  };
}

export interface DevLogin {
  users: DevLoginConfig['users'];
  /** A token for `sub` (one of `users`), verified by the gateway's authenticator like any other. */
  mint(sub: string): Promise<{ token: string; principal: Principal }>;
}

export async function createDevLogin(config: DevLoginConfig, baseDir: string, authenticator: Authenticator): Promise<DevLogin> {
  const signing = await loadSigningKey(resolve(baseDir, config.private_key_file), config.algorithm).catch((error: unknown) => {
    throw new WardenError('CONFIG_INVALID', `console.dev_login.private_key_file: ${(error as Error).message}`, { cause: error });
  });
  const users = new Map(config.users.map((user) => [user.sub, user]));
  return {
    users: config.users,
    async mint(sub) {
      const user = users.get(sub);
      if (user === undefined) throw new WardenError('AUTH_TOKEN_INVALID', 'console login: not one of the example users');
      const signed = await signToken(signing, { sub, roles: user.roles, scopes: [], iss: config.issuer, aud: config.audience, ttlSeconds: config.ttl_seconds }, config.key_id, Date.now());
      const principal = await authenticator.authenticate(signed.token);
      if (principal === undefined) throw new WardenError('AUTH_TOKEN_INVALID', 'console login: authentication is disabled; the console needs a principal');
      return { token: signed.token, principal };
    },
  };
}
