import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { WardenError } from '../errors.ts';

/**
 * Command-line flags: node's strict parser for the syntax, then a zod schema for meaning, both
 * failing with USAGE and a message naming the flag.
 */
export function parseFlags<S extends z.ZodType>(args: string[], options: NonNullable<ParseArgsConfig['options']>, schema: S): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new WardenError('USAGE', (error as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = issue.path.length > 0 ? `--${String(issue.path[0])}: ` : '';
  throw new WardenError('USAGE', `${flag}${issue.message}`);
}
