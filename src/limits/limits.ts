import { WardenError } from '../errors.ts';
import type { LimitsConfig } from './config.ts';
import { type LimitEvents, NO_LIMIT_EVENTS } from './events.ts';
import { RateLimiter, type RateSubject } from './rate-limiter.ts';
import { SessionCaps } from './sessions.ts';
import { SlotPool, SlotWaitError } from './slot-pool.ts';

export type { RateSubject } from './rate-limiter.ts';

/** Gives the slots an admitted call holds back; call it exactly once, when the call is done. */
export type Release = () => void;
const NOTHING_HELD: Release = () => undefined;

/**
 * Admission of one forwarded call: its rate rules, then a slot of its caller and a slot of its
 * upstream (waiting in a bounded queue for at most `queue_timeout_ms`). Built whole from the
 * `limits` section, so a reload can replace it. All state is in memory: limits are per replica.
 */
export class Limits {
  readonly events: LimitEvents;
  /** Sessions and listen streams held open, per caller and in all (sessions.ts). */
  readonly sessions: SessionCaps;
  #rate: RateLimiter;
  #config: LimitsConfig['concurrency'];
  #upstreamMax: (upstream: string) => number;
  // Keyed by upstream name and by the caller's identity: Maps, never plain objects.
  #upstreams = new Map<string, SlotPool>();
  #principals = new Map<string, SlotPool>();

  constructor(config: LimitsConfig, upstreamMax: (upstream: string) => number, events: LimitEvents = NO_LIMIT_EVENTS) {
    this.#rate = new RateLimiter(config.rate);
    this.#config = config.concurrency;
    this.#upstreamMax = upstreamMax;
    this.events = events;
    this.sessions = new SessionCaps(config.sessions);
  }

  /**
   * Counts a held session or listen stream of `principalKey` in (undefined), or refuses it:
   * SESSION_LIMIT naming the full cap, reported as a limit event. Close what was counted with
   * `sessions.close`.
   */
  openSession(principalKey: string | undefined): WardenError | undefined {
    const full = this.sessions.open(principalKey);
    if (full === undefined) return undefined;
    this.events.sessionLimited(full);
    return SessionCaps.refusal(full);
  }

  /**
   * A reloaded `limits` section, in place. New rate rules start with full buckets. New calls take
   * slots from new pools with the new caps; calls in flight release theirs into the pools they
   * were admitted from, so for a moment both count (they finish under the caps they started with).
   */
  reconfigure(config: LimitsConfig, upstreamMax: (upstream: string) => number): void {
    this.#rate = new RateLimiter(config.rate);
    this.#config = config.concurrency;
    this.#upstreamMax = upstreamMax;
    this.sessions.reconfigure(config.sessions);
    this.#upstreams = new Map();
    this.#principals = new Map();
  }

  /**
   * RATE_LIMITED or CONCURRENCY_LIMITED (or UPSTREAM_CANCELLED while queued), else the slots held;
   * `slots: false` checks the rate rules only.
   */
  async admit(subject: RateSubject, now: number, signal: AbortSignal, slots = true): Promise<Release> {
    const refused = this.#rate.take(subject, now);
    if (refused) {
      this.events.rateLimited(refused.rule);
      throw new WardenError('RATE_LIMITED', `Rate limit "${refused.rule}" exceeded; retry after ${refused.retryAfterMs} ms`, { details: { rule: refused.rule, retryAfterMs: refused.retryAfterMs } });
    }
    if (!slots) return NOTHING_HELD;
    // Without authentication there is no caller to cap apart from the others: the upstream's cap
    // still holds, a per-caller one would cap everyone together.
    if (subject.principalKey === undefined) return this.#upstreamOnly(subject.upstream, signal);
    const principalKey = subject.principalKey;
    const principal = this.#pool(this.#principals, principalKey, this.#config.per_principal);
    const upstream = this.#pool(this.#upstreams, subject.upstream, this.#upstreamMax(subject.upstream));
    const deadline = Date.now() + this.#config.queue_timeout_ms;
    await this.#take(principal, 'principal', 'calls in flight from this caller', deadline, signal).catch((error: unknown) => {
      this.#forget(this.#principals, principalKey, principal);
      throw error;
    });
    try {
      await this.#take(upstream, 'upstream', `calls in flight to upstream "${subject.upstream}"`, deadline, signal);
    } catch (error) {
      principal.release();
      this.#forget(this.#principals, principalKey, principal);
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      upstream.release();
      principal.release();
      this.#forget(this.#principals, principalKey, principal);
    };
  }

  async #upstreamOnly(upstream: string, signal: AbortSignal): Promise<Release> {
    const pool = this.#pool(this.#upstreams, upstream, this.#upstreamMax(upstream));
    await this.#take(pool, 'upstream', `calls in flight to upstream "${upstream}"`, Date.now() + this.#config.queue_timeout_ms, signal);
    let released = false;
    return () => {
      if (!released) pool.release();
      released = true;
    };
  }

  async #take(pool: SlotPool, scope: 'upstream' | 'principal', what: string, deadline: number, signal: AbortSignal): Promise<void> {
    if (pool.tryTake()) return;
    const startedAt = Date.now();
    try {
      await pool.wait(Math.max(1, deadline - startedAt), signal);
      this.events.queued(scope, Date.now() - startedAt);
    } catch (error) {
      if (!(error instanceof SlotWaitError)) throw error;
      if (error.why === 'cancelled') throw new WardenError('UPSTREAM_CANCELLED', 'The request was cancelled while it waited for a slot');
      this.events.concurrencyLimited(scope, error.why);
      const message = error.why === 'queue_full' ? `Too many ${what}, and the wait queue is full` : `Too many ${what}; no slot freed within ${this.#config.queue_timeout_ms} ms`;
      throw new WardenError('CONCURRENCY_LIMITED', message, { details: { limit: scope === 'upstream' ? 'max_concurrent' : 'concurrency.per_principal', reason: error.why } });
    }
  }

  #pool(pools: Map<string, SlotPool>, key: string, max: number): SlotPool {
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = new SlotPool(max, this.#config.queue);
      pools.set(key, pool);
    }
    return pool;
  }

  /** A caller's pool lives only while it holds or waits for a slot. */
  #forget(pools: Map<string, SlotPool>, key: string, pool: SlotPool): void {
    if (pool.idle && pools.get(key) === pool) pools.delete(key);
  }
}
