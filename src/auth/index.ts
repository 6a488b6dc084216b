import { logger as rootLogger, type Logger } from '../log.ts';
import type { AuthConfig } from './config.ts';
import { JwtAuthenticator } from './jwt-authenticator.ts';
import type { Authenticator } from './principal.ts';
import { createKeySource } from './sources/create-key-source.ts';
import type { TrustedIssuer } from './verify-token.ts';

export type { AuthConfig } from './config.ts';
export type { Authenticator, Principal } from './principal.ts';
export { principalKey } from './principal.ts';
export { SwappableAuthenticator } from './swappable-authenticator.ts';
export * from './http-challenge.ts';

interface AuthenticatorOptions {
  /** For remote JWKS; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Epoch milliseconds; drives token time checks, the cache and the JWKS cooldown. */
  now?: () => number;
  /** Where `secret_env` is read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Relative `jwks_file` / `public_key_file` paths resolve here (the config file's directory). */
  baseDir?: string;
  logger?: Logger;
}

/**
 * Builds the authenticator the pipeline's authenticate stage calls on every request. Local key
 * material is read and imported here, once: a missing file, a bad PEM or a short HS secret
 * rejects with CONFIG_INVALID naming the issuer, so the gateway refuses to start.
 */
export async function createAuthenticator(config: AuthConfig, options: AuthenticatorOptions = {}): Promise<Authenticator> {
  const logger = (options.logger ?? rootLogger).child({ component: 'auth' });
  if (config.mode === 'disabled') {
    logger.warn(
      'AUTHENTICATION IS DISABLED (auth.mode: disabled): every caller is anonymous and policies see no principal. Use only for local experiments, never in production.',
    );
    return { mode: 'disabled', authenticate: async () => undefined, close: async () => {} };
  }
  if (config.issuers.length === 0) logger.warn('auth.issuers is empty: every request will be refused');
  const sourceOptions = {
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    env: options.env ?? process.env,
    baseDir: options.baseDir ?? process.cwd(),
    logger,
  };
  const issuers = new Map<string, TrustedIssuer>();
  try {
    for (const issuer of config.issuers) issuers.set(issuer.issuer, { config: issuer, keys: await createKeySource(issuer, sourceOptions) });
  } catch (error) {
    for (const { keys } of issuers.values()) keys.close();
    throw error;
  }
  return new JwtAuthenticator({ config, issuers, now: sourceOptions.now, logger });
}
export { SUPPORTED_ALGORITHMS } from './algorithms.ts';
export { loadSigningKey, signToken, type SignedToken } from './sign-token.ts';
