import { describe, expect, it } from 'vitest';
import { rateRuleSchema } from '../../../src/limits/config.ts';
import { RateLimiter, type RateSubject } from '../../../src/limits/rate-limiter.ts';

const rule = (raw: Record<string, unknown>) => rateRuleSchema.parse(raw);
const subject = (over: Partial<RateSubject> = {}): RateSubject => ({ principalKey: 'iss alice', sub: 'alice', roles: ['analyst'], tool: 'db__query', upstream: 'db', ...over });

describe('rate limiter - token buckets', () => {
  it('admits the burst at once, then one call per 1/rate seconds, and says how long to wait', () => {
    const limiter = new RateLimiter([rule({ rate: 10, burst: 3 })]);
    for (let i = 0; i < 3; i++) expect(limiter.take(subject(), 1000)).toBeUndefined();
    expect(limiter.take(subject(), 1000)).toEqual({ rule: 'rate[0]', retryAfterMs: 100 });
    expect(limiter.take(subject(), 1040)).toEqual({ rule: 'rate[0]', retryAfterMs: 60 });
    expect(limiter.take(subject(), 1100)).toBeUndefined();
    // A long quiet spell refills to the burst, never beyond it.
    for (let i = 0; i < 3; i++) expect(limiter.take(subject(), 60_000)).toBeUndefined();
    expect(limiter.take(subject(), 60_000)).toBeDefined();
  });

  it('matches on every field given: principal, role, tool glob, upstream', () => {
    const limiter = new RateLimiter([rule({ name: 'r', match: { principal: 'alice', role: 'analyst', tool: 'db__q*y', upstream: 'db' }, rate: 1, burst: 1 })]);
    expect(limiter.take(subject(), 0)).toBeUndefined();
    expect(limiter.take(subject(), 0)).toMatchObject({ rule: 'r' });
    // Any field that does not match leaves the call out of the rule.
    for (const other of [{ sub: 'bob' }, { roles: [] }, { tool: 'db__queries' }, { tool: undefined }, { upstream: 'web' }]) {
      expect(limiter.take(subject(other), 0)).toBeUndefined();
    }
  });

  it('the tool glob is a glob, not a regular expression: dots and brackets are literal', () => {
    const limiter = new RateLimiter([rule({ match: { tool: 'a.b[1]?' }, rate: 1, burst: 1 })]);
    expect(limiter.take(subject({ tool: 'axb1x' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ tool: 'axb1x' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ tool: 'a.b[1]x' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ tool: 'a.b[1]x' }), 0)).toBeDefined();
  });

  it('takes from all matching rules or from none, and reports the longest wait', () => {
    const limiter = new RateLimiter([rule({ name: 'wide', rate: 1, burst: 5 }), rule({ name: 'narrow', match: { tool: 'db__query' }, rate: 0.5, burst: 1 })]);
    expect(limiter.take(subject(), 0)).toBeUndefined();
    expect(limiter.take(subject(), 0)).toEqual({ rule: 'narrow', retryAfterMs: 2000 });
    // The refused call took nothing from `wide`: four more other calls fit.
    for (let i = 0; i < 4; i++) expect(limiter.take(subject({ tool: 'db__other' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ tool: 'db__other' }), 0)).toMatchObject({ rule: 'wide' });
  });

  it('keeps a bucket per principal by default, one per rule with per: rule', () => {
    const limiter = new RateLimiter([rule({ name: 'mine', rate: 1, burst: 1 }), rule({ name: 'ours', match: { upstream: 'web' }, rate: 1, burst: 2, per: 'rule' })]);
    expect(limiter.take(subject({ principalKey: 'iss a', upstream: 'db' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss b', upstream: 'db' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss c', upstream: 'web' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss d', upstream: 'web' }), 0)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss e', upstream: 'web' }), 0)).toMatchObject({ rule: 'ours' });
  });

  it('forgets full buckets once there are many, so one-off callers cost no memory for long', () => {
    const limiter = new RateLimiter([rule({ rate: 1000, burst: 1 })]);
    for (let i = 0; i < 20_000; i++) limiter.take(subject({ principalKey: `iss p${i}` }), 0);
    // All refilled a second later; a new caller sweeps them, and an early one starts full again.
    expect(limiter.take(subject({ principalKey: 'iss late' }), 1000)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss p0' }), 1000)).toBeUndefined();
    expect(limiter.take(subject({ principalKey: 'iss p0' }), 1000)).toBeDefined();
  });
});

describe('rate limiter - a clock that steps back', () => {
  it('refills nothing and drains nothing when the time goes backwards', () => {
    const limiter = new RateLimiter([rule({ rate: 1, burst: 2 })]);
    expect(limiter.take(subject(), 10_000)).toBeUndefined();
    expect(limiter.take(subject(), 5_000)).toBeUndefined();
    expect(limiter.take(subject(), 5_000)).toMatchObject({ retryAfterMs: 1000 });
  });
});
