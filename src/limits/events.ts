/**
 * What the limits report, for metrics: a small interface the metrics module connects (issue 13's
 * `/metrics`); the default does nothing. Labels are rule and upstream names from the config,
 * never a principal or an argument.
 */
export interface LimitEvents {
  /** A call refused by a rate rule. */
  rateLimited(rule: string): void;
  /** A call refused because no slot freed in time (`scope`: whose cap was full). */
  concurrencyLimited(scope: 'upstream' | 'principal', why: 'queue_full' | 'timeout'): void;
  /** A call that had to wait for a slot, and how long (ms), once it got one. */
  queued(scope: 'upstream' | 'principal', waitedMs: number): void;
  /** A session refused at its initialize. */
  sessionLimited(scope: 'principal' | 'total'): void;
  /** An upstream answer dropped for exceeding max_result_bytes. */
  resultTooLarge(upstream: string): void;
  /** An upstream's circuit breaker changed state. */
  breaker(upstream: string, state: 'closed' | 'open' | 'half_open'): void;
}

export const NO_LIMIT_EVENTS: LimitEvents = {
  rateLimited: () => undefined,
  concurrencyLimited: () => undefined,
  queued: () => undefined,
  sessionLimited: () => undefined,
  resultTooLarge: () => undefined,
  breaker: () => undefined,
};
