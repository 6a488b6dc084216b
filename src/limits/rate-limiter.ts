import type { RateRuleConfig } from './config.ts';

/** What a rate rule can match on: the caller (from its verified token) and where the call goes. */
export interface RateSubject {
  /** `iss sub` of the caller; undefined when auth is disabled (all callers are one). */
  principalKey: string | undefined;
  sub: string | undefined;
  roles: readonly string[];
  /** The public tool name (tools/call only). */
  tool: string | undefined;
  upstream: string;
}

interface RateRefusal {
  rule: string;
  /** When one call would be admitted again by every rule that refused. */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Beyond this many buckets in one rule, buckets that have refilled to full are dropped (a full
 * bucket and an absent one admit alike), so principals that called once long ago cost nothing.
 * Buckets exist only for authenticated callers, so their number is bounded by the callers the
 * identity provider issued tokens to that called within one refill time.
 */
const SWEEP_AT = 10_000;

/** `*` any run of characters, `?` one; everything else literal. A tool name is flat, so no `/` rules. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

class RateRule {
  readonly name: string;
  readonly #match: RateRuleConfig['match'];
  readonly #tool: RegExp | undefined;
  readonly #perMs: number;
  readonly #burst: number;
  readonly #shared: boolean;
  // Keyed by the caller's identity (client-supplied data): a Map, never a plain object.
  readonly #buckets = new Map<string, Bucket>();
  #sweepAt = SWEEP_AT;

  constructor(config: RateRuleConfig, index: number) {
    this.name = config.name ?? `rate[${index}]`;
    this.#match = config.match;
    this.#tool = config.match.tool === undefined ? undefined : globToRegExp(config.match.tool);
    this.#perMs = config.rate / 1000;
    this.#burst = config.burst;
    this.#shared = config.per === 'rule';
  }

  matches(subject: RateSubject): boolean {
    const m = this.#match;
    if (m.principal !== undefined && m.principal !== subject.sub) return false;
    if (m.role !== undefined && !subject.roles.includes(m.role)) return false;
    if (m.upstream !== undefined && m.upstream !== subject.upstream) return false;
    if (this.#tool !== undefined && (subject.tool === undefined || !this.#tool.test(subject.tool))) return false;
    return true;
  }

  /** The bucket of this subject, refilled to `now` (created full). */
  bucket(subject: RateSubject, now: number): Bucket {
    const key = this.#shared ? '' : (subject.principalKey ?? '');
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#sweepAt) this.#sweep(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    // A wall clock stepped back (NTP) refills nothing rather than draining the bucket.
    if (now > bucket.at) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    return bucket;
  }

  retryAfterMs(bucket: Bucket): number {
    return Math.ceil((1 - bucket.tokens) / this.#perMs);
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
    // Many callers all active at once: sweep again only after the map doubled, so the cost of
    // sweeping stays linear in the calls (a sweep per insert would be quadratic).
    this.#sweepAt = Math.max(SWEEP_AT, this.#buckets.size * 2);
  }
}

/**
 * Token buckets from `limits.rate`. A call takes one token from every rule it matches, or from
 * none when any of them is empty (a refused call does not drain the other rules). Per replica.
 */
export class RateLimiter {
  readonly #rules: RateRule[];

  constructor(rules: readonly RateRuleConfig[]) {
    this.#rules = rules.map((rule, i) => new RateRule(rule, i));
  }

  take(subject: RateSubject, now: number): RateRefusal | undefined {
    if (this.#rules.length === 0) return undefined;
    const taken: Bucket[] = [];
    let refusal: RateRefusal | undefined;
    for (const rule of this.#rules) {
      if (!rule.matches(subject)) continue;
      const bucket = rule.bucket(subject, now);
      if (bucket.tokens >= 1) taken.push(bucket);
      else {
        const retryAfterMs = rule.retryAfterMs(bucket);
        if (refusal === undefined || retryAfterMs > refusal.retryAfterMs) refusal = { rule: rule.name, retryAfterMs };
      }
    }
    if (refusal) return refusal;
    for (const bucket of taken) bucket.tokens -= 1;
    return undefined;
  }
}
