import { WardenError } from '../errors.ts';
import type { LimitsConfig } from './config.ts';

/**
 * What a caller holds open, per caller and in all: old-era sessions (Streamable HTTP, legacy SSE),
 * each an SDK Server and its transport until it is closed or idles out, and new-era
 * `subscriptions/listen` streams, each a connection the gateway recomputes the caller's views for
 * on every list change. One caller opening either in a loop could otherwise exhaust the gateway's
 * memory (and, with listen streams, its CPU). Per replica.
 */
export class SessionCaps {
  // Keyed by the caller's identity (`iss sub`): a Map, never a plain object.
  readonly #byPrincipal = new Map<string, number>();
  #total = 0;

  constructor(private config: LimitsConfig['sessions']) {}

  /** A reloaded `limits.sessions`: what is open stays counted; the new caps apply to what opens next. */
  reconfigure(config: LimitsConfig['sessions']): void {
    this.config = config;
  }

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

  /** The refusal of what `open` found full (SESSION_LIMIT, naming the cap). */
  static refusal(full: 'principal' | 'total'): WardenError {
    return new WardenError('SESSION_LIMIT', full === 'total' ? 'The gateway has as many open sessions as allowed; try again later' : 'This caller has as many open sessions as allowed; close one first', {
      details: { limit: full === 'total' ? 'sessions.total' : 'sessions.per_principal' },
    });
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
