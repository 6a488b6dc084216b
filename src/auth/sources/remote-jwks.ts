import type { CryptoKey } from 'jose';
import { WardenError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { readCappedBody } from '../../read-capped.ts';
import type { Algorithm } from '../algorithms.ts';
import { type KeySet, type KeySource, type TokenHeader, NoMatchingKeyError, importKeySet, selectKey } from '../key-set.ts';

interface RemoteJwksOptions {
  readonly url: string;
  readonly algorithms: readonly Algorithm[];
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly maxAgeMs: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly logger: Logger;
}

/** A JWKS is a few keys; anything bigger is not one, and must not fill our memory. */
const MAX_BODY_BYTES = 256 * 1024;

/** What callers see: the reason (down, slow, garbage) goes to the log, not to the client. */
const UNAVAILABLE = 'the verification keys of the token issuer are unavailable; try again later';

/**
 * `jwks_uri`: a remote key set, fetched on first use and cached for `maxAgeMs` (never used
 * older). An unknown `kid` may mean the issuer rotated its keys, so it triggers a refetch, but
 * at most one fetch starts per `cooldownMs` and concurrent callers share it: a storm of tokens
 * with invented kids costs the IdP one request per cooldown. A failed fetch (refused, slower than
 * `timeoutMs`, not JSON, not a usable JWKS) answers AUTH_KEYS_UNAVAILABLE, and so does every call
 * until the cooldown allows the next attempt. Redirects are refused: the configured URL is the
 * only place keys come from.
 */
export class RemoteJwks implements KeySource {
  readonly #options: RemoteJwksOptions;
  readonly #closed = new AbortController();
  #keys: KeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<KeySet> | undefined;

  constructor(options: RemoteJwksOptions) {
    this.#options = options;
  }

  async getKey(header: TokenHeader): Promise<CryptoKey> {
    const keys = await this.#current();
    try {
      return selectKey(keys, header);
    } catch (error) {
      if (!(error instanceof NoMatchingKeyError) || !this.#mayFetch()) throw error;
      return selectKey(await this.#refresh(), header);
    }
  }

  close(): void {
    this.#closed.abort();
  }

  async #current(): Promise<KeySet> {
    if (this.#keys !== undefined && this.#options.now() - this.#fetchedAt < this.#options.maxAgeMs) return this.#keys;
    if (!this.#mayFetch()) throw new WardenError('AUTH_KEYS_UNAVAILABLE', UNAVAILABLE);
    return this.#refresh();
  }

  /** A running fetch may always be joined; a new one only after the cooldown. */
  #mayFetch(): boolean {
    return this.#inflight !== undefined || this.#options.now() - this.#attemptedAt >= this.#options.cooldownMs;
  }

  #refresh(): Promise<KeySet> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<KeySet> {
    const { url, timeoutMs, algorithms, logger } = this.#options;
    this.#attemptedAt = this.#options.now();
    try {
      const response = await this.#options.fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closed.signal]),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const text = (await readCappedBody(response, MAX_BODY_BYTES)).toString('utf8');
      const { keys, skipped } = await importKeySet(parseJson(text), algorithms, url);
      this.#keys = keys;
      this.#fetchedAt = this.#options.now();
      logger.info({ jwks_uri: url, keys: keys.length, skipped }, 'jwks fetched');
      return keys;
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(error);
      logger.warn({ jwks_uri: url, reason }, 'jwks fetch failed; tokens of this issuer are refused until a fetch succeeds');
      throw new WardenError('AUTH_KEYS_UNAVAILABLE', UNAVAILABLE, { cause: error });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('the response is not JSON');
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch wraps the network error (ECONNREFUSED, ...) in a TypeError('fetch failed').
  const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}

