import { z } from 'zod';

const DEFAULT_REDACT_KEYS = ['password', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie', 'private_key'];

/** A user-supplied value pattern must compile, or the config is refused naming the entry. */
const regexSource = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'g');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    return;
  }
  // A pattern that matches nothing at all would "redact" between every character.
  if (new RegExp(source).test('')) ctx.addIssue({ code: 'custom', message: 'must not match the empty string' });
});

/** `audit` section of warden.config.json. Refined by the audit module; composed in src/config. */
export const auditConfigSchema = z
  .object({
    path: z.string().min(1).default('warden-audit.db').describe('SQLite file; relative to the config file\'s directory (`warden serve`, `warden audit --config`).'),
    synchronous: z.enum(['normal', 'full']).default('normal').describe('normal: nothing lost on a process crash; full: nothing lost on power loss.'),
    busy_timeout_ms: z.number().int().min(0).default(2000).describe('How long a write waits for a lock held by another connection before the call is refused.'),
    max_size_mb: z.number().positive().optional().describe('Cap on the database size; when reached, calls are refused (AUDIT_UNAVAILABLE). Unset: no cap.'),
    checkpoint_interval_ms: z.number().int().min(50).default(1000).describe('WAL checkpoints run on this timer, never inside a request\'s commit.'),
    chain_key: z
      .string()
      .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`); keep it out of the file: "${WARDEN_AUDIT_CHAIN_KEY}"')
      .optional()
      .describe('Secret for an HMAC-SHA256 chain: without it, someone who can write the database cannot recompute the chain after an edit. Once set, the log needs it to be written and verified.'),
    authn_failure_window_ms: z.number().int().min(10).default(60_000).describe('authn_failure events are aggregated per source and reason over this window.'),
    redact: z
      .object({
        keys: z.array(z.string().min(1)).default(DEFAULT_REDACT_KEYS).describe('Argument keys whose values are replaced (case and _/- insensitive, suffix match).'),
        patterns: z.array(regexSource).default([]).describe('Extra value regexes to redact, besides the built-in ones.'),
      })
      .strict()
      .default({ keys: DEFAULT_REDACT_KEYS, patterns: [] }),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
