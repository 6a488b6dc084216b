import { z } from 'zod';

/**
 * `limits` section of warden.config.json: what protects the upstreams and the gateway from one
 * noisy caller. A section of its own (composed in src/config) so a reload can rebuild it whole.
 * Every limit is per replica: N replicas behind a balancer allow N times these numbers.
 */

const MIB = 1024 * 1024;
const count = z.number().int().positive();

/** Which calls a rate rule counts: every field given must match (none given: every call). */
const rateMatchSchema = z
  .object({
    principal: z.string().min(1).optional().describe('The caller\'s `sub`, exactly.'),
    role: z.string().min(1).optional().describe('One of the caller\'s roles.'),
    tool: z.string().min(1).optional().describe('A glob over the public tool name (`*` any run of characters, `?` one): `db__*`.'),
    upstream: z.string().min(1).optional().describe('The upstream the call goes to, exactly (an mcpServers name).'),
  })
  .strict();

export const rateRuleSchema = z
  .object({
    name: z.string().min(1).optional().describe('Named in the error, the audit row and the metric; default `rate[i]`.'),
    match: rateMatchSchema.default({}),
    rate: z.number().positive().max(1_000_000).describe('Calls per second, refilled continuously.'),
    burst: count.max(1_000_000).describe('Bucket size: calls allowed at once after a quiet spell.'),
    per: z.enum(['principal', 'rule']).default('principal').describe('principal: a bucket per caller; rule: one bucket shared by every matching call.'),
  })
  .strict();

const breakerSchema = z
  .object({
    failures: count.max(1000).default(5).describe('Consecutive failures or timeouts that open the circuit.'),
    open_ms: count.max(3_600_000).default(30_000).describe('How long an open circuit fails calls fast before one probe is let through.'),
  })
  .strict();

const upstreamLimitsSchema = z
  .object({
    max_result_bytes: count.default(16 * MIB).describe('A larger answer is dropped while it is read: RESULT_TOO_LARGE to the caller.'),
    max_concurrent: count.max(100_000).default(64).describe('Calls in flight to this upstream; more wait in the queue.'),
    breaker: breakerSchema.default(breakerSchema.parse({})),
  })
  .strict();

/** An upstream's own entry overrides the defaults field by field. */
const upstreamOverrideSchema = z
  .object({
    max_result_bytes: count.optional(),
    max_concurrent: count.max(100_000).optional(),
    breaker: breakerSchema.partial().optional(),
  })
  .strict();

const concurrencySchema = z
  .object({
    per_principal: count.max(100_000).default(32).describe('Calls in flight per caller; more wait in the queue.'),
    queue: z.number().int().min(0).max(100_000).default(256).describe('Calls waiting for a slot, per upstream and per caller; beyond it CONCURRENCY_LIMITED at once.'),
    queue_timeout_ms: count.max(600_000).default(10_000).describe('A call that waited this long for a slot gets CONCURRENCY_LIMITED.'),
  })
  .strict();

const sessionsSchema = z
  .object({
    per_principal: count.max(1_000_000).default(64).describe('Open old-era sessions (Streamable HTTP, legacy SSE) per caller.'),
    total: count.max(1_000_000).default(4096).describe('Open old-era sessions in all.'),
  })
  .strict();

export const limitsConfigSchema = z
  .object({
    rate: z.array(rateRuleSchema).max(1000).default([]),
    concurrency: concurrencySchema.default(concurrencySchema.parse({})),
    sessions: sessionsSchema.default(sessionsSchema.parse({})),
    upstream_defaults: upstreamLimitsSchema.default(upstreamLimitsSchema.parse({})),
    upstreams: z.record(z.string(), upstreamOverrideSchema).default({}),
  })
  .strict();

export type LimitsConfig = z.infer<typeof limitsConfigSchema>;
export type RateRuleConfig = z.infer<typeof rateRuleSchema>;
type UpstreamLimits = z.infer<typeof upstreamLimitsSchema>;

/** The limits of one upstream: its overrides over the defaults. */
export function upstreamLimits(config: LimitsConfig, upstream: string): UpstreamLimits {
  const own = Object.hasOwn(config.upstreams, upstream) ? config.upstreams[upstream]! : {};
  const defaults = config.upstream_defaults;
  return {
    max_result_bytes: own.max_result_bytes ?? defaults.max_result_bytes,
    max_concurrent: own.max_concurrent ?? defaults.max_concurrent,
    breaker: { ...defaults.breaker, ...own.breaker },
  };
}
