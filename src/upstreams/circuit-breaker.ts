/**
 * One upstream's circuit breaker. `failures` consecutive failures or timeouts open it: calls then
 * fail fast (UPSTREAM_UNAVAILABLE with the reason) instead of piling onto an upstream that does
 * not answer. After `openMs` one call is let through as a probe (half open): its success closes
 * the circuit, its failure opens it for another `openMs`. An upstream's own error answer is a
 * success here: it answered. A cancelled call says nothing either way.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

type Admission = { probe: boolean } | { retryAfterMs: number; reason: string };

export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  #lastFailure = '';

  constructor(
    private readonly config: { failures: number; openMs: number },
    private readonly now: () => number,
    private readonly onChange: (state: BreakerState, why: string) => void,
  ) {}

  get state(): BreakerState {
    return this.#state;
  }

  admit(): Admission {
    if (this.#state === 'closed') return CLOSED;
    const retryAfterMs = this.#openedAt + this.config.openMs - this.now();
    if (this.#state === 'open' && retryAfterMs <= 0) this.#set('half_open', 'probing');
    if (this.#state === 'half_open' && !this.#probing) {
      this.#probing = true;
      return PROBE;
    }
    return {
      retryAfterMs: Math.max(0, retryAfterMs),
      reason: `circuit open after ${this.#failures} consecutive failures (last: ${this.#lastFailure})${this.#probing ? '; a probe call is in flight' : ''}`,
    };
  }

  success(admission: { probe: boolean }): void {
    if (admission.probe) this.#probing = false;
    this.#failures = 0;
    if (this.#state !== 'closed') this.#set('closed', 'a call succeeded');
  }

  failure(admission: { probe: boolean }, why: string): void {
    if (admission.probe) this.#probing = false;
    this.#failures++;
    this.#lastFailure = why;
    if (admission.probe || (this.#state === 'closed' && this.#failures >= this.config.failures)) {
      this.#openedAt = this.now();
      this.#set('open', why);
    }
  }

  /** Neither success nor failure (the caller cancelled): a probe slot is given back. */
  neutral(admission: { probe: boolean }): void {
    if (admission.probe) this.#probing = false;
  }

  #set(state: BreakerState, why: string): void {
    this.#state = state;
    this.onChange(state, why);
  }
}

const CLOSED = { probe: false };
const PROBE = { probe: true };
