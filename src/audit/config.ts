import { z } from 'zod';

/** `audit` section of warden.config.json. Refined by the audit module; composed in src/config. */
export const auditConfigSchema = z
  .object({
    path: z.string().min(1).default('warden-audit.db'),
    synchronous: z.enum(['normal', 'full']).default('normal').describe('normal: nothing lost on a process crash; full: nothing lost on power loss.'),
    busy_timeout_ms: z.number().int().min(0).default(2000),
    redact: z
      .object({
        keys: z.array(z.string()).default(['password', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie']),
        patterns: z.array(z.string()).default([]).describe('Extra value regexes to redact, besides the built-in ones.'),
      })
      .strict()
      .default({ keys: ['password', 'secret', 'token', 'api_key', 'apikey', 'authorization', 'cookie'], patterns: [] }),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
