import { z } from 'zod';
import type { Decision, DecisionCode } from './contract.ts';
import { decisionId } from './decision-id.ts';

/**
 * The one place where whatever a backend produced becomes a Decision. Backends only report the
 * raw value of the entrypoint (or that it is undefined); every rule about what counts as "allowed"
 * lives here so that both backends fail closed in exactly the same way.
 */
export type RawResult = { defined: false } | { defined: true; value: unknown };

const documentSchema = z.object({
  allow: z.boolean({ error: (issue) => `allow must be a boolean, got ${describe(issue.input)}` }),
  reasons: z
    .array(z.string(), { error: 'reasons must be a set of strings' })
    .optional(),
  // An approval the policy asks for: anything malformed is an error (fail closed), not "none".
  approval: z
    .object(
      {
        required: z.boolean({ error: 'approval.required must be a boolean' }),
        reason: z.string({ error: 'approval.reason must be a string' }).optional(),
      },
      { error: 'approval must be an object with a boolean required' },
    )
    .optional(),
});

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}

export function denial(code: DecisionCode, reasons: string[], revision: string): Decision {
  return { allow: false, code, reasons, decisionId: decisionId(), revision };
}

const NO_DECISION = 'the policy produced no decision';

export function normalizeDecision(raw: RawResult, revision: string): Decision {
  if (!raw.defined) return denial('POLICY_UNDEFINED', [NO_DECISION], revision);
  const { value } = raw;
  // An entrypoint may name the allow rule itself (`data.mcp.authz.allow`).
  const document = typeof value === 'boolean' ? { allow: value } : value;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return denial('POLICY_ERROR', [`the decision must be an object with a boolean allow, got ${describe(value)}`], revision);
  }
  if (!('allow' in document) || document.allow === undefined) return denial('POLICY_UNDEFINED', [NO_DECISION], revision);
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    return denial('POLICY_ERROR', parsed.error.issues.map((issue) => issue.message), revision);
  }
  const reasons = [...new Set(parsed.data.reasons ?? [])].sort();
  if (parsed.data.allow) {
    const approval = parsed.data.approval;
    if (approval?.required !== true) return { allow: true, reasons, decisionId: decisionId(), revision };
    return { allow: true, reasons, approval: { required: true, reason: approval.reason ?? 'the policy requires an approval' }, decisionId: decisionId(), revision };
  }
  return denial('POLICY_DENIED', reasons.length > 0 ? reasons : ['denied by policy'], revision);
}
