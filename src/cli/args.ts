import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
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

const GO_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as OPA's flags take it (`5s`, `500ms`, `1m30s`), in milliseconds. */
export function goDurationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * GO_UNITS_MS[unit!]!;
  return total;
}
