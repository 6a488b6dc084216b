import { z } from 'zod';

/** `integrity` section of warden.config.json (issue 15): pinned tool and prompt definitions. */
export const integrityConfigSchema = z
  .object({
    mode: z
      .enum(['pin', 'warn', 'off'])
      .default('pin')
      .describe('pin: a tool or prompt whose definition changed since it was approved is quarantined (hidden, calls answer like an unknown tool) until approved. warn: it stays available, with audit rows and log warnings. off: nothing is pinned.'),
    new_tools: z
      .enum(['allow', 'quarantine'])
      .default('allow')
      .describe('A new tool of an upstream already known: allow (approved on first sight) or quarantine (waits for `warden tools approve`). An upstream seen for the first time is trusted on first use either way, unless screening flags a definition.'),
    poll_interval_ms: z
      .number()
      .int()
      .min(50)
      .default(1000)
      .describe('How often the gateway reads approvals and revocations made by `warden tools approve|revoke` (their effect takes at most this long).'),
  })
  .strict();

export type IntegrityConfig = z.infer<typeof integrityConfigSchema>;
