import { z } from 'zod';
import { type ShownRecord, openAuditReader } from '../audit/index.ts';
import { parseFlags } from './args.ts';
import { pointInTime } from './audit-options.ts';
import { auditTargetOf } from './audit-target.ts';
import { printable, renderJson, renderTable } from './render.ts';

/**
 * `warden audit shown --sub S --at TIME [--tool NAME] [--since ...]`: what a caller had been shown
 * at a moment (src/audit/shown.ts), and with `--tool` whether that tool was among it.
 */
export const SHOWN_USAGE = `shown   --sub S --at TIME [--tool NAME] [--since 24h-before-at|ISO] [--json]
          (what S had last been shown, per session and list, as of TIME; --tool: could S see it)`;

const DAY_MS = 24 * 60 * 60 * 1000;

export function parseShownOptions(args: string[], now: Date) {
  const options = parseFlags(
    args,
    { db: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, sub: { type: 'string' }, at: { type: 'string' }, tool: { type: 'string' }, since: { type: 'string' } },
    z
      .object({
        db: z.string().min(1).optional(),
        config: z.string().min(1).optional(),
        json: z.boolean().default(false),
        sub: z.string({ error: 'is required: the principal (a token\'s sub)' }).min(1),
        at: z.string({ error: 'is required: an ISO time or a duration back from now (e.g. 2026-12-06T10:42:00Z, 2h)' }).pipe(pointInTime(now)),
        tool: z.string().min(1).optional(),
        since: pointInTime(now).optional(),
      })
      .superRefine((value, ctx) => {
        if (value.db !== undefined && value.config !== undefined) ctx.addIssue({ code: 'custom', path: ['db'], message: 'give either --db or --config, not both' });
      }),
  );
  return { ...options, since: options.since ?? new Date(options.at.getTime() - DAY_MS) };
}

type ShownOptions = ReturnType<typeof parseShownOptions>;

export interface ShownAnswer {
  sub: string;
  at: string;
  since: string;
  /** With --tool: whether any of the tools/list answers in force at `at` named it. */
  tool?: { name: string; shown: boolean; in: Array<{ sessionId: string | null; time: string }> };
  answers: ShownRecord[];
}

export async function shownAnswer(options: ShownOptions): Promise<ShownAnswer> {
  const target = auditTargetOf(options);
  const query = { sub: options.sub, at: options.at, since: options.since };
  const reader = await openAuditReader(target);
  let answers: ShownRecord[];
  try {
    answers = await reader.shown(query);
  } finally {
    await reader.close();
  }
  const answer: ShownAnswer = { sub: options.sub, at: options.at.toISOString(), since: options.since.toISOString(), answers };
  if (options.tool !== undefined) {
    const name = options.tool;
    const holding = answers.filter((record) => record.method === 'tools/list' && record.names?.includes(name));
    answer.tool = { name, shown: holding.length > 0, in: holding.map((record) => ({ sessionId: record.sessionId, time: record.time })) };
  }
  return answer;
}

export function renderShown(answer: ShownAnswer, json: boolean): string {
  if (json) return renderJson(answer);
  const lines: string[] = [];
  if (answer.tool) {
    const { shown, in: holding } = answer.tool;
    const name = printable(answer.tool.name);
    lines.push(
      shown
        ? `${answer.sub} could see tool ${name} at ${answer.at}: yes, in ${holding.map((h) => `session ${h.sessionId ?? '-'} (listed ${h.time})`).join(', ')}`
        : `${answer.sub} could see tool ${name} at ${answer.at}: no (not in any tools/list answer between ${answer.since} and then)`,
    );
  }
  if (answer.answers.length === 0) {
    lines.push(`no list answers to ${answer.sub} between ${answer.since} and ${answer.at}`);
    return `${lines.join('\n')}\n`;
  }
  const rows = answer.answers.map((record) => [
    record.time, record.sessionId ?? '-', record.method, String(record.count), record.names === null ? `(${record.problem})` : record.names.join(' '),
  ]);
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${renderTable(['TIME', 'SESSION', 'METHOD', 'COUNT', 'NAMES'], rows)}`;
}
