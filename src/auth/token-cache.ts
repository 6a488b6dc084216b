import type { Principal } from './principal.ts';

interface Entry {
  readonly principal: Principal;
  /** exp plus the issuer's clock tolerance, in ms: the same bound verification applied. */
  readonly validUntilMs: number;
  /** Hit since it was stored or last given its second chance. */
  used: boolean;
}

/**
 * Verified tokens, so the hot path does not re-verify a signature per request. Bounded, evicting
 * by second chance (CLOCK): an insert past the bound takes the entry at the front of the Map's
 * insertion order, unless it was hit since it got there, which then goes to the back once. A hit
 * only sets a flag: moving the entry to the back on every hit (delete + set, an exact LRU) made
 * V8 rebuild the Map's table every few calls, and those tables chain (transient-tables.ts).
 * Expiry is checked on every hit: an expired entry is dropped and reported as a miss, so
 * verification then refuses the token with its precise code. Only successes are stored.
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
    if (nowMs >= entry.validUntilMs) {
      this.#entries.delete(token);
      return undefined;
    }
    entry.used = true;
    return entry.principal;
  }

  set(token: string, principal: Principal, clockToleranceSeconds: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(token);
    while (this.#entries.size >= this.#maxEntries) this.#evictOne();
    this.#entries.set(token, { principal, validUntilMs: (principal.expiresAt + clockToleranceSeconds) * 1000, used: false });
  }

  /** Each entry is moved back at most once, so this ends within two passes. */
  #evictOne(): void {
    for (const [token, entry] of this.#entries) {
      this.#entries.delete(token);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(token, entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
