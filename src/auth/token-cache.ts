import type { Principal } from './principal.ts';

interface Entry {
  readonly principal: Principal;
  /** exp plus the issuer's clock tolerance, in ms: the same bound verification applied. */
  readonly validUntilMs: number;
}

/**
 * Verified tokens, so the hot path does not re-verify a signature per request. Bounded (LRU:
 * a hit moves the entry to the back of the Map's insertion order; an insert past the bound drops
 * the front) and expiry-checked on every hit: an expired entry is dropped and reported as a miss,
 * so verification then refuses the token with its precise code. Only successes are stored.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(token: string, nowMs: number): Principal | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    this.#entries.delete(token);
    if (nowMs >= entry.validUntilMs) return undefined;
    this.#entries.set(token, entry);
    return entry.principal;
  }

  set(token: string, principal: Principal, clockToleranceSeconds: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { principal, validUntilMs: (principal.expiresAt + clockToleranceSeconds) * 1000 });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
