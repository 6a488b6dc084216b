import { z } from 'zod';
import { openPins, type AuditTarget, type PinRecord, type PinStore } from '../audit/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { parseCommandLine } from './args.ts';
import { whoDecides } from './approver.ts';
import { auditTargetOf } from './audit-target.ts';
import { EXIT } from './exit-codes.ts';
import { renderJson } from './render.ts';
import { renderPinDiff } from './tools-diff-render.ts';

/**
 * `warden tools diff|approve|revoke` (issue 15): read and decide pinned definitions in the audit
 * database, while the gateway runs (it polls the table every integrity.poll_interval_ms and sends
 * list_changed). Each approval binds the digest of the definition shown by `diff` at that moment
 * and names who approved: the sub of WARDEN_TOKEN (verified with the config's auth) when that is
 * set, else the OS user.
 */
export const PINS_USAGE = `usage: warden tools diff [NAME] [--config PATH | --db PATH|postgres://...] [--json]
       warden tools approve (NAME | --upstream U | --all) [--note TEXT] [--config PATH | --db ...] [--json]
       warden tools revoke NAME [--note TEXT] [--config PATH | --db ...] [--json]

NAME is the public name (UPSTREAM__TOOL, with the config's separator), UPSTREAM/TOOL, or the
upstream's own tool name when only one upstream has it; prefix prompt: for a prompt.
The approver is the sub of WARDEN_TOKEN when it is set (verified with --config's auth), else the OS user.`;

const sourceShape = { db: z.string().min(1).optional(), config: z.string().min(1).optional(), json: z.boolean().default(false) };
const FLAGS = { db: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, note: { type: 'string' }, upstream: { type: 'string' }, all: { type: 'boolean' } } as const;

export interface PinView {
  kind: PinRecord['kind'];
  upstream: string;
  name: string;
  status: 'approved' | 'pending' | 'revoked';
  seenDigest: string;
  approvedDigest: string | null;
  flags: string[];
  seenAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  approved: Record<string, unknown> | null;
  seen: Record<string, unknown>;
}

const statusOf = (pin: PinRecord): PinView['status'] => (pin.approvedDigest === pin.seenDigest ? 'approved' : pin.approvedDigest === null && pin.decidedAt !== null && pin.approvedDefinition !== null ? 'revoked' : 'pending');

function viewOf(pin: PinRecord): PinView {
  return {
    kind: pin.kind, upstream: pin.upstream, name: pin.name, status: statusOf(pin), seenDigest: pin.seenDigest, approvedDigest: pin.approvedDigest, flags: pin.seenFlags,
    seenAt: pin.seenAt, decidedBy: pin.decidedBy, decidedAt: pin.decidedAt, note: pin.note,
    approved: pin.approvedDefinition === null ? null : (JSON.parse(pin.approvedDefinition) as Record<string, unknown>),
    seen: JSON.parse(pin.seenDefinition) as Record<string, unknown>,
  };
}

/** The pins NAME means (see PINS_USAGE); USAGE when none or several. */
export function selectPins(pins: readonly PinRecord[], name: string, separator: string): PinRecord[] {
  const [kind, bare] = name.startsWith('prompt:') ? (['prompt', name.slice(7)] as const) : name.startsWith('tool:') ? (['tool', name.slice(5)] as const) : ([undefined, name] as const);
  const ofKind = pins.filter((pin) => kind === undefined || pin.kind === kind);
  let found = ofKind.filter((pin) => `${pin.upstream}/${pin.name}` === bare || `${pin.upstream}${separator}${pin.name}` === bare);
  if (found.length === 0) found = ofKind.filter((pin) => pin.name === bare);
  if (found.length === 0) throw new WardenError('USAGE', `no pinned tool or prompt is named "${name}" (warden tools diff lists those waiting for approval)`);
  if (found.length > 1) throw new WardenError('USAGE', `"${name}" is ambiguous: ${found.map((pin) => `${pin.kind === 'prompt' ? 'prompt:' : ''}${pin.upstream}/${pin.name}`).join(', ')}`);
  return found;
}

async function withPins<T>(target: AuditTarget, use: (pins: PinStore) => Promise<T>): Promise<T> {
  const { pins, close } = await openPins(target);
  try {
    return await use(pins);
  } finally {
    await close();
  }
}

export async function runPins(command: 'diff' | 'approve' | 'revoke', args: string[], out: (text: string) => void = (text) => void process.stdout.write(text)): Promise<number> {
  const schema = z.object({ ...sourceShape, note: z.string().min(1).max(2000).optional(), upstream: z.string().min(1).optional(), all: z.boolean().default(false) });
  const { values, positionals } = parseCommandLine(args, FLAGS, schema);
  if (values.db !== undefined && values.config !== undefined) throw new WardenError('USAGE', '--db: give either --db or --config, not both');
  if (positionals.length > 1) throw new WardenError('USAGE', `one NAME at most, got ${positionals.length}`);
  const name = positionals[0];
  const config = values.config === undefined ? undefined : loadConfig(values.config);
  const separator = config?.namespacing.separator ?? '__';
  const target = auditTargetOf({ db: values.db, config: values.config });
  if (command !== 'approve' && (values.upstream !== undefined || values.all)) throw new WardenError('USAGE', `--upstream and --all are options of approve`);
  if (command === 'diff' && values.note !== undefined) throw new WardenError('USAGE', '--note is an option of approve and revoke');

  if (command === 'diff') {
    const views = await withPins(target, async (pins) => {
      const all = await pins.readPins();
      return (name === undefined ? all.filter((pin) => statusOf(pin) !== 'approved') : selectPins(all, name, separator)).map(viewOf);
    });
    out(values.json ? renderJson(views) : renderPinDiff(views, process.stdout.isTTY === true));
    return EXIT.OK;
  }

  const choices = [name !== undefined, values.upstream !== undefined, values.all].filter(Boolean).length;
  if (choices !== 1) throw new WardenError('USAGE', command === 'approve' ? 'give exactly one of NAME, --upstream U or --all' : 'give the NAME to revoke');
  const { by } = await whoDecides(config);
  const at = new Date().toISOString();
  const done = await withPins(target, async (pins) => {
    const all = await pins.readPins();
    const chosen = name !== undefined ? selectPins(all, name, separator) : all.filter((pin) => values.all || pin.upstream === values.upstream);
    const results: Array<{ kind: string; upstream: string; name: string; digest: string; ok: boolean }> = [];
    for (const pin of chosen) {
      const key = { kind: pin.kind, upstream: pin.upstream, name: pin.name };
      if (command === 'revoke') {
        results.push({ ...key, digest: pin.seenDigest, ok: await pins.revokePin(key, by, at, values.note) });
      } else if (statusOf(pin) !== 'approved') {
        // Binds what was read just now: a definition that changes meanwhile is not approved.
        results.push({ ...key, digest: pin.seenDigest, ok: await pins.approvePin(key, pin.seenDigest, by, at, values.note) });
      }
    }
    return results;
  });
  const verb = command === 'approve' ? 'approved' : 'revoked';
  if (values.json) out(renderJson({ by, at, [verb]: done }));
  else {
    for (const r of done) out(`${r.ok ? verb : `not ${verb} (changed meanwhile; see warden tools diff)`} ${r.kind} ${r.upstream}/${r.name} ${r.digest.slice(0, 12)} by ${by}\n`);
    if (done.length === 0) out(`nothing to ${command}: every selected definition is approved already\n`);
  }
  return done.every((r) => r.ok) ? EXIT.OK : EXIT.FAILURE;
}
