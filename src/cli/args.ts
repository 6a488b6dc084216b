import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { WardenError } from '../errors.ts';

type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Command-line flags: node's strict parser for the syntax, then a zod schema for meaning, both
 * failing with USAGE and a message naming the flag.
 */
export function parseFlags<S extends z.ZodType>(args: string[], options: FlagSpec, schema: S): z.infer<S> {
  return parseCommandLine(args, options, schema, false).values;
}

/** parseFlags for commands that also take positional arguments (paths, a query). */
export function parseCommandLine<S extends z.ZodType>(args: string[], options: FlagSpec, schema: S, allowPositionals = true): { values: z.infer<S>; positionals: string[] } {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals }));
  } catch (error) {
    throw new WardenError('USAGE', (error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const result = schema.safeParse(values);
  if (result.success) return { values: result.data, positionals };
  const issue = result.error.issues[0]!;
  const flag = issue.path.length > 0 ? `--${String(issue.path[0])}: ` : '';
  throw new WardenError('USAGE', `${flag}${issue.message}`);
}

/** `-h` / `--help` anywhere among a command's arguments. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('-h') || args.includes('--help');
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6], ['us', 1e-3], ['µs', 1e-3], ['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000], ['w', 604_800_000],
]);
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+$/;

/**
 * The one duration syntax of every flag (`--ttl`, `--since`, `--older-than`, `--timeout`,
 * `--interval`): Go's, as opa's flags take it (`500ms`, `5s`, `1m30s`), plus days and weeks
 * (`7d`, `2w`). In milliseconds; undefined when the text is not one.
 */
export function durationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/g)) total += Number(amount) * UNIT_MS.get(unit!)!;
  return total;
}

export const DURATION_EXAMPLES = '500ms, 90s, 15m, 1h, 7d or 2w';

const MAX_DURATION_MS = 100 * 366 * 86_400_000;

/**
 * Longer than any window, age or lifetime a flag means, and far inside what a Date holds
 * (±273,790 years): `--since 99999999999d` reached past it and failed with a stack trace.
 */
export function tooLongIssue(ms: number, text: string): string | undefined {
  return ms <= MAX_DURATION_MS ? undefined : `expected at most 100 years, got "${text}"`;
}

/** A duration flag as zod reads it: a positive number of milliseconds, at least `minMs`, at most 100 years. */
export const durationFlag = (minMs = 1) =>
  z.string().transform((text, ctx) => {
    const ms = durationMs(text);
    const tooLong = ms === undefined ? undefined : tooLongIssue(ms, text);
    if (ms !== undefined && ms >= minMs && tooLong === undefined) return ms;
    ctx.addIssue({ code: 'custom', message: tooLong ?? `expected a duration such as ${DURATION_EXAMPLES}, got "${text}"` });
    return z.NEVER;
  });
