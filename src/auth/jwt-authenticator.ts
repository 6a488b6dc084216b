import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { toAuthError } from './auth-error.ts';
import type { AuthConfig } from './config.ts';
import type { Authenticator, Principal } from './principal.ts';
import { toPrincipal } from './principal-claims.ts';
import { TokenCache } from './token-cache.ts';
import { type TrustedIssuer, verifyToken } from './verify-token.ts';

interface JwtAuthenticatorParts {
  readonly config: AuthConfig;
  readonly issuers: ReadonlyMap<string, TrustedIssuer>;
  readonly now: () => number;
  readonly logger: Logger;
}

/**
 * The `jwt` mode: cache hit, else verify, map, cache. Any failure is a WardenError with an
 * AUTH_* code (fail closed); nothing is cached unless it verified.
 */
export class JwtAuthenticator implements Authenticator {
  readonly mode = 'jwt' as const;
  readonly #parts: JwtAuthenticatorParts;
  readonly #cache: TokenCache;

  constructor(parts: JwtAuthenticatorParts) {
    this.#parts = parts;
    this.#cache = new TokenCache(parts.config.token_cache_max_entries);
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    if (token === undefined || token === '') throw new WardenError('AUTH_TOKEN_MISSING', 'no bearer token was presented');
    const nowMs = this.#parts.now();
    const cached = this.#cache.get(token, nowMs);
    if (cached !== undefined) return cached;
    try {
      const { payload, issuer } = await verifyToken(token, this.#parts.issuers, nowMs);
      const principal = toPrincipal(token, payload, this.#parts.config.principal);
      this.#cache.set(token, principal, issuer.clock_tolerance);
      return principal;
    } catch (error) {
      const refused = toAuthError(error);
      this.#parts.logger.debug({ code: refused.code, reason: refused.message, cause: describeCause(refused.cause) }, 'token refused');
      throw refused;
    }
  }

  async close(): Promise<void> {
    for (const { keys } of this.#parts.issuers.values()) keys.close();
    this.#cache.clear();
  }
}

function describeCause(cause: unknown): string | undefined {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined;
}
