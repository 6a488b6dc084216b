import { z } from 'zod';

/** `approvals` section of warden.config.json (issue 15): calls a policy allows only with a person's approval. */
export const approvalsConfigSchema = z
  .object({
    mode: z
      .enum(['caller', 'operator'])
      .default('caller')
      .describe('caller: the calling client\'s user is asked through elicitation. operator: the call waits until another principal decides it with `warden approvals approve|deny`.'),
    caller_timeout_ms: z
      .number()
      .int()
      .positive()
      .max(600_000)
      .default(60_000)
      .describe('How long the caller\'s user has to answer the elicitation (APPROVAL_DECLINED after). A 2026-07-28 caller is asked through input_required: its requestState expires then (REQUEST_STATE_EXPIRED), or at server.request_state_ttl_ms when that is shorter.'),
    operator_timeout_ms: z
      .number()
      .int()
      .positive()
      .max(86_400_000)
      .default(300_000)
      .describe('How long a call waits for an operator\'s decision (APPROVAL_DECLINED after).'),
    poll_interval_ms: z
      .number()
      .int()
      .min(50)
      .default(1000)
      .describe('Mode operator: how often a waiting call reads the approvals table, and sends the caller a progress notification.'),
  })
  .strict();

export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;
