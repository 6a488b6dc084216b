/**
 * `warden policy explain`: why a decision came out as it did. The input is a file (`-i`) or a
 * recorded decision (`--decision ID --audit DB`, read through the audit module's reader). The
 * entrypoint's document is evaluated under a tracer; the report lists the decision (as the
 * gateway would make it), its reasons, and every rule of the entrypoint package: which were true,
 * and for each that was not, the expression that stopped it (file:row, its text and variables).
 */
import { compile, explainDocument, RegoError } from '@mcp-warden/rego';
import type { Explanation } from '@mcp-warden/rego';
import { z } from 'zod';
import { openDecisionSource } from '../audit/index.ts';
import type { RecordedDecision } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import { normalizeDecision } from '../policy/index.ts';
import type { Decision } from '../policy/index.ts';
import { parseCommandLine, wantsHelp } from './args.ts';
import { jsonText, readInputDocument } from './policy-eval.ts';
import { printHelp } from './policy.ts';
import { renderRegoError } from './rego-error-text.ts';
import { printable } from './render.ts';
import { loadPolicySet } from '../policy/index.ts';
import { entrypointPath, policySource } from './policy-source.ts';

const HELP = `usage: warden policy explain (-d PATH... | --config FILE) (-i INPUT | --decision ID --audit DB|URL) [--entrypoint data.mcp.authz] [--v0-compatible] [--json]

Evaluates the entrypoint for one input document and prints the decision the gateway would make,
its reasons, and each rule of the entrypoint package: true, or the expression that stopped it
(file:row, the expression, its variables).

  -d, --data PATH        the policy set (repeatable); or --config: the gateway config's policy
  -i, --input FILE       the input document (JSON or YAML)
      --decision ID      a recorded decision: its input is read from the audit database
      --audit DB|URL     the audit database holding --decision (SQLite file or postgres://...)
      --entrypoint REF   default data.mcp.authz (or the config's policy.entrypoint)
      --v0-compatible    read the modules as Rego v0 (opa's flag; or the config's policy.v0_compatible)
      --json             the explanation as JSON
`;

const FLAGS = {
  data: { type: 'string', short: 'd', multiple: true },
  config: { type: 'string' },
  input: { type: 'string', short: 'i' },
  decision: { type: 'string' },
  audit: { type: 'string' },
  entrypoint: { type: 'string' },
  'v0-compatible': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const schema = z.object({
  data: z.array(z.string()).optional(),
  config: z.string().optional(),
  input: z.string().optional(),
  decision: z.string().min(1).optional(),
  audit: z.string().optional(),
  entrypoint: z.string().optional(),
  'v0-compatible': z.boolean().default(false),
  json: z.boolean().default(false),
});

export interface ExplainReport {
  entrypoint: string;
  decision: Pick<Decision, 'allow' | 'reasons' | 'code'>;
  explanation: Explanation;
  recorded?: Pick<RecordedDecision, 'decisionId' | 'time' | 'decision' | 'reasons' | 'policyRevision' | 'redacted'>;
}

export async function explainCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) return printHelp(HELP);
  const { values: flags, positionals } = parseCommandLine(args, FLAGS, schema);
  if (positionals.length > 0) throw new WardenError('USAGE', `unexpected argument "${positionals[0]}"`);
  const source = policySource(flags);
  const path = entrypointPath(source.entrypoint);
  if ((flags.input === undefined) === (flags.decision === undefined)) throw new WardenError('USAGE', 'give either -i INPUT or --decision ID (with --audit DB)');
  let input: unknown;
  let recorded: RecordedDecision | undefined;
  if (flags.input !== undefined) input = await readInputDocument(flags.input);
  else {
    if (flags.audit === undefined) throw new WardenError('USAGE', '--decision needs --audit DB');
    const reader = await openDecisionSource(flags.audit);
    try {
      recorded = await reader.byId(flags.decision!);
    } finally {
      await reader.close();
    }
    if (!recorded) throw new WardenError('USAGE', `--decision ${flags.decision}: no such decision in ${flags.audit}`);
    if (!recorded.input) throw new WardenError('USAGE', `--decision ${flags.decision}: recorded before the audit trail kept policy inputs; nothing to explain it with`);
    input = recorded.input;
  }
  const { modules, data } = await loadPolicySet(source.paths, process.cwd(), { tests: false, dataFiles: 'all' });
  let explanation: Explanation;
  try {
    explanation = explainDocument(compile(modules, { data, v0Compatible: source.v0Compatible }), path, input, modules);
  } catch (error) {
    if (!(error instanceof RegoError)) throw error;
    process.stderr.write(renderRegoError(error, modules));
    return 1;
  }
  const decision = normalizeDecision(explanation.value === undefined ? { defined: false } : { defined: true, value: explanation.value }, '');
  const report: ExplainReport = { entrypoint: source.entrypoint, decision: { allow: decision.allow, reasons: decision.reasons, ...(decision.code ? { code: decision.code } : {}) }, explanation };
  if (recorded) {
    const { decisionId, time, decision: was, reasons, policyRevision, redacted } = recorded;
    report.recorded = { decisionId, time, decision: was, reasons, policyRevision, redacted };
  }
  process.stdout.write(flags.json ? `${jsonText(report, 2)}\n` : renderExplanation(report));
  return 0;
}

function renderExplanation(report: ExplainReport): string {
  const out: string[] = [];
  const { decision, recorded } = report;
  if (recorded) {
    out.push(`recorded: ${recorded.decision} at ${recorded.time} (decision ${recorded.decisionId}, policy ${recorded.policyRevision ?? 'unknown'})`);
    if (recorded.redacted) out.push('  note: the recorded input holds redacted values: it is not exactly the input that was decided on');
  }
  out.push(`decision: ${decision.allow ? 'allow' : `deny (${decision.code})`}${recorded && (recorded.decision === 'allow') !== decision.allow ? '   <- differs from the recorded decision' : ''}`);
  if (decision.reasons.length > 0) out.push('reasons:', ...decision.reasons.map((reason) => `  - ${printable(reason)}`));
  out.push('', `rules of ${report.entrypoint}:`);
  for (const rule of report.explanation.rules) {
    const label = rule.kind === 'default' ? `default ${rule.name}` : rule.kind === 'else' ? `${rule.name} (else)` : rule.name;
    const state = rule.kind === 'default' ? (rule.fired ? 'used' : 'not used') : rule.fired ? 'true' : 'not true';
    out.push(`  ${rule.location.file}:${rule.location.row}: ${label}: ${state}`);
    if (rule.stoppedAt) {
      out.push(`      stopped at ${rule.stoppedAt.location.file}:${rule.stoppedAt.location.row}: ${rule.stoppedAt.text.split('\n').join('\n      ')}`);
      for (const [name, value] of rule.stoppedAt.vars) out.push(`        ${name} = ${printable(value)}`);
    } else if (!rule.fired && rule.kind !== 'default') out.push('      not evaluated (its value was not needed)');
  }
  return `${out.join('\n')}\n`;
}
