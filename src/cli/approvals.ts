import { z } from 'zod';
import { openPins, type ApprovalRecord } from '../audit/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { logger } from '../log.ts';
import { buildPolicyInput, createPolicyEngine } from '../policy/index.ts';
import { whoDecides } from './approver.ts';
import { parseCommandLine, wantsHelp } from './args.ts';
import { auditTargetOf } from './audit-target.ts';
import { EXIT } from './exit-codes.ts';
import { renderJson, renderTable } from './render.ts';

/**
 * `warden approvals list|approve|deny` (issue 15, approvals.mode "operator"): the calls waiting
 * in the audit database for a person's decision, decided while the gateway runs (a waiting call
 * reads its row every approvals.poll_interval_ms). The decider must be another principal than
 * the caller, and the config's policy must allow it `method: "approvals/decide"` for that call.
 * An approval is bound to what `list` shows: the digest of the arguments as forwarded, the
 * tool's digest and the policy revision; it is refused when the policy loaded here is not the
 * revision that asked for it.
 */
const USAGE = `usage: warden approvals list [--config PATH | --db PATH|postgres://...] [--json]
       warden approvals approve ID [--note TEXT] --config PATH [--json]
       warden approvals deny ID [--note TEXT] --config PATH [--json]

ID is the waiting call's decision id (list shows it). The decider is the sub of WARDEN_TOKEN when
it is set (verified with --config's auth), else the OS user (principal os:NAME); the config's
policy must allow it { "method": "approvals/decide" } for the call (input.call, input.arguments,
input.approval), and it may not be the caller.`;

const FLAGS = { db: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, note: { type: 'string' } } as const;
const schema = z.object({ db: z.string().min(1).optional(), config: z.string().min(1).optional(), json: z.boolean().default(false), note: z.string().min(1).max(2000).optional() });

const out = (text: string): void => void process.stdout.write(text);

/** The policy's question: may this principal decide this waiting call? */
async function mayDecide(config: ResolvedConfig, row: ApprovalRecord, principal: Awaited<ReturnType<typeof whoDecides>>['principal'], approving: boolean): Promise<void> {
  // The policy's own info lines ("policy loaded") are the gateway's business, not this command's output.
  const engine = await createPolicyEngine({ ...config.policy, watch: false }, { baseDir: config.baseDir, logger: logger.child({}, { level: 'warn' }) });
  try {
    // An approval given under another policy revision would be stale at the gateway anyway: say so here.
    if (approving && engine.revision !== row.binding.policyRevision) {
      throw new WardenError('APPROVAL_STALE', `the policy changed since call ${row.id} was decided (${row.binding.policyRevision.slice(0, 19)}, now ${engine.revision.slice(0, 19)}): it cannot be approved; the caller must call again`);
    }
    const tool = { name: row.publicName, server: row.upstream, upstream_name: row.upstreamName ?? row.publicName, digest: row.binding.toolDigest };
    const input = buildPolicyInput(
      principal,
      {
        method: 'approvals/decide',
        call: { method: row.method, tool, decision_id: row.id },
        ...(row.arguments !== null && typeof row.arguments === 'object' && !Array.isArray(row.arguments) ? { arguments: row.arguments as Record<string, unknown> } : {}),
        approval: { id: row.id, reason: row.reason, ...(row.sub === null ? {} : { caller: row.sub }) },
        request: { id: row.id, session: 'warden approvals', transport: 'stdio', protocol_version: 'cli' },
      },
      new Date(),
    );
    const decision = await engine.evaluate(input);
    if (decision.allow !== true) {
      throw new WardenError(decision.code ?? 'POLICY_DENIED', `${principal.sub} may not decide call ${row.id}: ${decision.reasons.join('; ') || 'denied by policy'}`);
    }
  } finally {
    await engine.close();
  }
}

function renderList(rows: readonly ApprovalRecord[]): string {
  if (rows.length === 0) return 'no call is waiting for an approval\n';
  return renderTable(
    ['ID', 'SINCE', 'EXPIRES', 'CALLER', 'TOOL', 'ARGUMENTS', 'REASON'],
    rows.map((r) => [r.id, r.createdAt, r.expiresAt, r.sub ?? '(none)', `${r.publicName} (${r.upstream})`, JSON.stringify(r.arguments), r.reason]),
  );
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || wantsHelp(args)) return void (command === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`), command === undefined ? EXIT.USAGE : EXIT.OK;
  if (command !== 'list' && command !== 'approve' && command !== 'deny') throw new WardenError('USAGE', `unknown approvals command "${command}": list, approve or deny`);
  const { values, positionals } = parseCommandLine(rest, FLAGS, schema);
  if (values.db !== undefined && values.config !== undefined) throw new WardenError('USAGE', '--db: give either --db or --config, not both');
  const target = auditTargetOf({ db: values.db, config: values.config });

  if (command === 'list') {
    if (positionals.length > 0) throw new WardenError('USAGE', `list takes no ID, got "${positionals[0]}"`);
    if (values.note !== undefined) throw new WardenError('USAGE', '--note is an option of approve and deny');
    const { approvals, close } = await openPins(target);
    try {
      const rows = await approvals.pending(new Date().toISOString());
      out(values.json ? renderJson(rows) : renderList(rows));
    } finally {
      await close();
    }
    return EXIT.OK;
  }

  if (positionals.length !== 1) throw new WardenError('USAGE', `${command} takes exactly one ID (warden approvals list shows them)`);
  if (values.config === undefined) throw new WardenError('USAGE', `${command}: --config is required: the decider must be allowed by the gateway's policy`);
  const id = positionals[0]!;
  const config = loadConfig(values.config);
  const { by, principal } = await whoDecides(config);
  const { approvals, close } = await openPins(target);
  try {
    const row = await approvals.read(id);
    const now = new Date().toISOString();
    if (row === undefined) throw new WardenError('USAGE', `no call ${id} waits for an approval (warden approvals list shows those that do)`);
    if (row.status !== 'pending' || row.expiresAt <= now) throw new WardenError('APPROVAL_DECLINED', `call ${id} is no longer waiting (${row.status === 'pending' ? 'expired' : row.status})`);
    if (row.sub !== null && (principal.sub === row.sub || by === row.sub)) throw new WardenError('POLICY_DENIED', `${by} made call ${id}: another principal must decide it`);
    await mayDecide(config, row, principal, command === 'approve');
    // Binds what was read just now: a row whose binding differs (another call) is not decided.
    const status = command === 'approve' ? 'approved' : 'denied';
    const decided = await approvals.decide(id, row.binding, status, by, now, values.note);
    if (!decided) throw new WardenError('APPROVAL_DECLINED', `call ${id} was decided, cancelled or expired meanwhile`);
    const binding = { arguments_sha256: row.binding.argumentsSha256, tool_digest: row.binding.toolDigest, policy_revision: row.binding.policyRevision };
    out(values.json ? renderJson({ id, status, by, at: now, tool: row.publicName, upstream: row.upstream, binding }) : `${status} call ${id} (${row.publicName} on ${row.upstream}) by ${by}; bound to arguments ${binding.arguments_sha256.slice(0, 12)}, tool ${binding.tool_digest.slice(0, 12)}, policy ${binding.policy_revision.slice(0, 19)}\n`);
    return EXIT.OK;
  } finally {
    await close();
  }
}
