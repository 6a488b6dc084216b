import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { EVENT_KINDS } from '../audit/index.ts';
import { DURATION_EXAMPLES, durationFlag, durationMs, parseFlags, tooLongIssue } from './args.ts';

/**
 * Flags of `warden audit <subcommand>`: node's parser for syntax, zod for meaning (durations,
 * dates, enums), errors as USAGE naming the flag. Times resolve against an injected clock.
 */
type FlagSpec = NonNullable<ParseArgsConfig['options']>;

const SOURCE_FLAGS: FlagSpec = { db: { type: 'string' }, config: { type: 'string' } };
const RANGE_FLAGS: FlagSpec = { since: { type: 'string' }, until: { type: 'string' } };
const FORMAT_FLAGS: FlagSpec = { json: { type: 'boolean' }, csv: { type: 'boolean' } };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A point in time: a duration back from now (`1h`) or an ISO date. */
export const pointInTime = (now: Date) =>
  z.string().transform((text, ctx) => {
    const ago = durationMs(text);
    const tooLong = ago === undefined ? undefined : tooLongIssue(ago, text);
    if (tooLong !== undefined) {
      ctx.addIssue({ code: 'custom', message: tooLong });
      return z.NEVER;
    }
    if (ago !== undefined) return new Date(now.getTime() - ago);
    const date = new Date(text);
    if (ISO_DATE.test(text) && !Number.isNaN(date.getTime())) return date;
    ctx.addIssue({ code: 'custom', message: `expected a duration such as ${DURATION_EXAMPLES}, or an ISO date, got "${text}"` });
    return z.NEVER;
  });

const sourceShape = { db: z.string().min(1).optional(), config: z.string().min(1).optional() };

const formatShape = { json: z.boolean().default(false), csv: z.boolean().default(false) };

function exclusiveFormats(value: { json: boolean; csv: boolean }, ctx: z.RefinementCtx): void {
  if (value.json && value.csv) ctx.addIssue({ code: 'custom', path: ['json'], message: 'choose one of --json and --csv' });
}

function exclusiveSources(value: { db?: string; config?: string }, ctx: z.RefinementCtx): void {
  if (value.db !== undefined && value.config !== undefined) ctx.addIssue({ code: 'custom', path: ['db'], message: 'give either --db or --config, not both' });
}

const rangeShape = (now: Date) => ({ since: pointInTime(now).optional(), until: pointInTime(now).optional() });

const positiveInt = (max: number) => z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().min(1).max(max));

export function parseQueryOptions(args: string[], now: Date) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, ...RANGE_FLAGS, ...FORMAT_FLAGS, sub: { type: 'string' }, tool: { type: 'string' }, server: { type: 'string' }, decision: { type: 'string' }, method: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' } },
    z
      .object({
        ...sourceShape,
        ...rangeShape(now),
        ...formatShape,
        sub: z.string().optional(),
        tool: z.string().min(1).optional(),
        server: z.string().optional(),
        decision: z.enum(['allow', 'deny'], { error: 'expected allow or deny' }).optional(),
        method: z.string().optional(),
        kind: z.enum(EVENT_KINDS, { error: `expected one of ${EVENT_KINDS.join(', ')}` }).default('decision'),
        limit: positiveInt(100_000).default(50),
      })
      .superRefine(exclusiveSources)
      .superRefine((value, ctx) => {
        // The other filters name columns of decision rows: with another kind they would match nothing.
        if (value.kind === 'decision') return;
        for (const flag of ['sub', 'tool', 'server', 'decision', 'method'] as const) {
          if (value[flag] !== undefined) ctx.addIssue({ code: 'custom', path: [flag], message: `filters decision rows; with --kind ${value.kind} only --since, --until and --limit apply` });
        }
      })
      .superRefine(exclusiveFormats),
  );
}

export function parseStatsOptions(args: string[], now: Date) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, ...RANGE_FLAGS, ...FORMAT_FLAGS, by: { type: 'string' } },
    z
      .object({ ...sourceShape, ...rangeShape(now), ...formatShape, by: z.enum(['sub', 'tool', 'decision', 'server'], { error: 'expected sub, tool, decision or server' }).default('tool') })
      .superRefine(exclusiveSources)
      .superRefine(exclusiveFormats),
  );
}

export function parseTailOptions(args: string[]) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, json: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' }, interval: { type: 'string' } },
    z
      .object({
        ...sourceShape,
        json: z.boolean().default(false),
        follow: z.boolean().default(false),
        lines: positiveInt(100_000).default(20),
        interval: durationFlag().pipe(z.number().max(60_000, 'at most 1m')).default(500),
      })
      .superRefine(exclusiveSources),
  );
}

export function parseExportOptions(args: string[], now: Date) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, ...RANGE_FLAGS, format: { type: 'string' } },
    z.object({ ...sourceShape, ...rangeShape(now), format: z.literal('jsonl', { error: 'the only export format is jsonl' }).default('jsonl') }).superRefine(exclusiveSources),
  );
}

/**
 * `SEQ:HASH`, as a verify run printed them earlier (`lastSeq`, `lastHash` of `--json`); on
 * PostgreSQL `REPLICA:SEQ:HASH` (each replica has its own chain).
 */
const chainMark = z
  .string()
  .regex(/^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,62}:)?\d+:[0-9a-f]{64}$/, 'expected SEQ:HASH (PostgreSQL: REPLICA:SEQ:HASH) as printed by verify --json (lastSeq and lastHash), e.g. 1042:9f86d0...')
  .transform((text): { replica?: string; seq: number; hash: string } => {
    const parts = text.split(':');
    const [hash, seq] = [parts.pop()!, parts.pop()!];
    return parts.length === 1 ? { replica: parts[0]!, seq: Number(seq), hash } : { seq: Number(seq), hash };
  });

export function parseVerifyOptions(args: string[]) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, json: { type: 'boolean' }, expect: { type: 'string', multiple: true }, checkpoints: { type: 'string' }, 'public-key': { type: 'string', multiple: true } },
    z
      .object({
        ...sourceShape,
        json: z.boolean().default(false),
        expect: z.array(chainMark).default([]),
        checkpoints: z.string().min(1).optional(),
        'public-key': z.array(z.string().min(1)).default([]),
      })
      .superRefine(exclusiveSources),
  );
}

export function parsePruneOptions(args: string[]) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, json: { type: 'boolean' }, 'older-than': { type: 'string' } },
    z
      .object({
        ...sourceShape,
        json: z.boolean().default(false),
        'older-than': z.string({ error: 'is required, e.g. --older-than 30d' }).pipe(durationFlag()),
      })
      .superRefine(exclusiveSources),
  );
}

const replicaFlag = z.string({ error: 'is required: the replica id (audit.replica_id)' }).min(1);

export function parseCloseIncompleteOptions(args: string[]) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, json: { type: 'boolean' }, replica: { type: 'string' } },
    z.object({ ...sourceShape, json: z.boolean().default(false), replica: replicaFlag }).superRefine(exclusiveSources),
  );
}

export function parseMigrateOptions(args: string[]) {
  return parseFlags(
    args,
    { ...SOURCE_FLAGS, json: { type: 'boolean' }, to: { type: 'string' }, replica: { type: 'string' } },
    z
      .object({
        ...sourceShape,
        json: z.boolean().default(false),
        to: z.string({ error: 'is required: the target database, postgres://...' }).regex(/^postgres(?:ql)?:\/\//, 'expected a postgres://... URL'),
        replica: replicaFlag,
      })
      .superRefine(exclusiveSources),
  );
}
