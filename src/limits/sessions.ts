import type { LimitsConfig } from './config.ts';

/**
 * Open old-era sessions (Streamable HTTP, legacy SSE), per caller and in all: each holds an SDK
 * Server and its transport until it is closed or idles out, so one caller opening sessions in a
 * loop could otherwise exhaust the gateway's memory. Per replica.
 */
export class SessionCaps {
  // Keyed by the caller's identity (`iss sub`): a Map, never a plain object.
  readonly #byPrincipal = new Map<string, number>();
  #total = 0;

  constructor(private readonly config: LimitsConfig['sessions']) {}

  /**
   * Counts a new session in, or says which cap is full (and counts nothing). An unauthenticated
   * caller (auth disabled) meets the total only: per caller would cap everyone together.
   */
  open(principalKey: string | undefined): 'principal' | 'total' | undefined {
    if (this.#total >= this.config.total) return 'total';
    if (principalKey === undefined) {
      this.#total++;
      return undefined;
    }
    const own = this.#byPrincipal.get(principalKey) ?? 0;
    if (own >= this.config.per_principal) return 'principal';
    this.#byPrincipal.set(principalKey, own + 1);
    this.#total++;
    return undefined;
  }

  close(principalKey: string | undefined): void {
    if (principalKey === undefined) return void this.#total--;
    const own = this.#byPrincipal.get(principalKey) ?? 0;
    if (own <= 0) return;
    if (own === 1) this.#byPrincipal.delete(principalKey);
    else this.#byPrincipal.set(principalKey, own - 1);
    this.#total--;
  }
}
