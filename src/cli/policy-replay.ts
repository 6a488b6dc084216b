/**
 * `warden policy replay --audit DB --policy PATH...`: the CI gate before a policy change. Every
 * decision recorded in the audit trail (from `--since` on) is decided again by the candidate set,
 * exactly as the gateway would decide it (the rego backend and the same decision rules), on the
 * input document recorded with it; the decisions that flip are listed, grouped by tool and
 * principal. Exit 1 when anything flips, unless --allow-flips.
 *
 * An approval the policy requires is part of the decision (issue 15): `allow+approval` is a
 * verdict of its own, so a candidate that newly asks for an approval, or no longer does, flips.
 * A call the policy allowed with an approval that was then not given (APPROVAL_* deny rows)
 * was `allow+approval` as far as the policy is concerned.
 *
 * Redaction: the audit trail stores arguments with secrets replaced by `[REDACTED...]`, so a
 * decision whose stored input holds a redacted value is replayed on an input that is not the one
 * decided on; such decisions are counted and marked.
 */
import { z } from 'zod';
import { openDecisionSource } from '../audit/index.ts';
import type { RecordedDecision } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import { loadRegoBackend, normalizeDecision, policyConfigSchema } from '../policy/index.ts';
import type { Decision, PolicyInput } from '../policy/index.ts';
import { parseCommandLine, wantsHelp } from './args.ts';
import { pointInTime } from './audit-options.ts';
import { jsonText } from './policy-eval.ts';
import { printHelp } from './policy.ts';
import { policySource } from './policy-source.ts';
import { renderTable } from './render.ts';

const HELP = `usage: warden policy replay --audit DB|URL (--policy PATH... | --config FILE) [--since 7d|ISO] [--entrypoint REF] [--v0-compatible] [--allow-flips] [--json]

Decides every recorded decision again with the candidate policy set and lists those that flip
(allow->deny, deny->allow, and allow <-> allow+approval: an approval the policy requires is part
of the decision), grouped by tool and principal. Decisions whose recorded input holds
redacted values ([REDACTED]) are replayed on that redacted input: they are counted and marked.

  --audit DB|URL      the audit database: a SQLite file, or postgres://... (every replica's chain)
  --policy PATH       the candidate policy set (repeatable); or --config: the config's policy
  --since 7d|ISO      only decisions from then on (default: all)
  --entrypoint REF    default data.mcp.authz (or the config's policy.entrypoint)
  --v0-compatible     read the modules as Rego v0 (opa's flag; or the config's policy.v0_compatible)
  --allow-flips       exit 0 even when decisions flip
  --json              the report as JSON

exit codes: 0 nothing flips (or --allow-flips), 1 some decision flips, 2 bad command line,
            3 the audit database or the candidate policies cannot be loaded
`;

const FLAGS = {
  audit: { type: 'string' },
  policy: { type: 'string', multiple: true },
  config: { type: 'string' },
  since: { type: 'string' },
  entrypoint: { type: 'string' },
  'v0-compatible': { type: 'boolean' },
  'allow-flips': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const schema = (now: Date) =>
  z.object({
    audit: z.string({ error: 'the audit database is required' }).min(1),
    policy: z.array(z.string()).optional(),
    config: z.string().optional(),
    since: pointInTime(now).optional(),
    entrypoint: z.string().optional(),
    'v0-compatible': z.boolean().default(false),
    'allow-flips': z.boolean().default(false),
    json: z.boolean().default(false),
  });

/** What the policy decided: `allow+approval` is an allow that waits for a person's yes first. */
export type Verdict = 'allow' | 'allow+approval' | 'deny';

export interface Flip {
  decisionId: string;
  time: string;
  tool: string;
  principal: string;
  from: Verdict;
  to: Verdict;
  reasons: string[];
  redacted: boolean;
}

export interface ReplayReport {
  replayed: number;
  /** Replayed decisions whose recorded input holds redacted values. */
  redacted: number;
  /** Rows recorded before the audit trail kept policy inputs: nothing to replay them with. */
  withoutInput: number;
  flips: Flip[];
}

/** The policy's own verdict of a recorded row (a refusal after an approval was asked for is the policy's allow+approval). */
function recordedVerdict(recorded: RecordedDecision): Verdict {
  if (recorded.approval !== null) return 'allow+approval';
  return recorded.decision;
}

type Replayed = Pick<Decision, 'allow' | 'reasons' | 'approval'>;

const verdictOf = (decision: Replayed): Verdict => (!decision.allow ? 'deny' : decision.approval ? 'allow+approval' : 'allow');

export async function replay(reader: AsyncIterable<RecordedDecision>, decide: (input: PolicyInput) => Replayed): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, redacted: 0, withoutInput: 0, flips: [] };
  for await (const recorded of reader) {
    if (!recorded.input) {
      report.withoutInput++;
      continue;
    }
    report.replayed++;
    if (recorded.redacted) report.redacted++;
    const now = decide(recorded.input as unknown as PolicyInput);
    const from = recordedVerdict(recorded);
    const to = verdictOf(now);
    if (to === from) continue;
    report.flips.push({
      decisionId: recorded.decisionId,
      time: recorded.time,
      tool: recorded.tool ?? recorded.method ?? '',
      principal: recorded.sub ?? '(none)',
      from,
      to,
      reasons: now.reasons,
      redacted: recorded.redacted,
    });
  }
  return report;
}

export async function replayCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) return printHelp(HELP);
  const { values: flags, positionals } = parseCommandLine(args, FLAGS, schema(new Date()));
  if (positionals.length > 0) throw new WardenError('USAGE', `unexpected argument "${positionals[0]}"`);
  const source = policySource({ data: flags.policy, config: flags.config, entrypoint: flags.entrypoint, 'v0-compatible': flags['v0-compatible'] }, '--policy');
  const backend = await loadRegoBackend(policyConfigSchema.parse({ paths: source.paths, entrypoint: source.entrypoint, watch: false, v0_compatible: source.v0Compatible }), process.cwd());
  const decide = (input: PolicyInput): Replayed => {
    try {
      return normalizeDecision(backend.evaluate(input), backend.revision);
    } catch (error) {
      // As the gateway: an evaluation error is a denial.
      return { allow: false, reasons: [`policy evaluation failed: ${(error as Error).message}`] };
    }
  };
  const reader = await openDecisionSource(flags.audit);
  let report: ReplayReport;
  try {
    report = await replay(reader.since(flags.since), decide);
  } finally {
    await reader.close();
  }
  process.stdout.write(flags.json ? `${jsonText(report, 2)}\n` : renderReplay(report));
  return report.flips.length > 0 && !flags['allow-flips'] ? 1 : 0;
}

function renderReplay(report: ReplayReport): string {
  const out: string[] = [];
  const toDeny = report.flips.filter((f) => f.to === 'deny').length;
  const toAllow = report.flips.filter((f) => f.from === 'deny').length;
  const approval = report.flips.length - toDeny - toAllow;
  out.push(
    `replayed ${report.replayed} decision${report.replayed === 1 ? '' : 's'}: ${report.flips.length} flip${report.flips.length === 1 ? '' : 's'} (${toDeny} allow->deny, ${toAllow} deny->allow${approval > 0 ? `, ${approval} approval` : ''})`,
  );
  if (report.redacted > 0) out.push(`${report.redacted} replayed decision${report.redacted === 1 ? '' : 's'} had redacted inputs: replayed on the redacted values, not on what was decided on`);
  if (report.withoutInput > 0) out.push(`${report.withoutInput} decision${report.withoutInput === 1 ? ' was' : 's were'} recorded before the audit trail kept policy inputs: not replayed`);
  if (report.flips.length === 0) return `${out.join('\n')}\n`;
  const groups = new Map<string, Flip[]>();
  for (const flip of report.flips) {
    const key = JSON.stringify([flip.from, flip.tool, flip.principal]);
    groups.set(key, [...(groups.get(key) ?? []), flip]);
  }
  const rows = [...groups.values()]
    .sort((a, b) => b.length - a.length)
    .map((flips) => {
      const first = flips[0]!;
      return [`${first.from}->${first.to}`, first.tool, first.principal, String(flips.length), first.decisionId + (flips.some((f) => f.redacted) ? ' (redacted input)' : ''), first.reasons.join('; ')];
    });
  return `${out.join('\n')}\n\n${renderTable(['FLIP', 'TOOL', 'PRINCIPAL', 'COUNT', 'EXAMPLE DECISION', 'NOW BECAUSE'], rows)}`;
}
