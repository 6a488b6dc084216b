import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { WardenError } from '../errors.ts';
import { JsonTextError, parseJsonText } from '../json-text.ts';
import { formatPath } from './expand-env.ts';

/** Reads and parses a JSON file, comments allowed (jsonc); syntax errors name the file, line and column. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new WardenError('CONFIG_INVALID', `${file}: cannot read: ${reason}`, { cause: error, details: { file } });
  }
  try {
    return parseJsonText(text, { comments: true });
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new WardenError('CONFIG_INVALID', `${file}:${error.message}`, { cause: error, details: { file, line: error.line, column: error.column } });
  }
}

/** Validates with zod; every issue becomes one line `file: json.path: message`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, file: string, at: PropertyKey[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: formatPath([...at, ...i.path]), message: describeIssue(i) }));
  throw new WardenError('CONFIG_INVALID', issues.map((i) => `${file}: ${i.path}: ${i.message}`).join('\n'), {
    details: { file, issues },
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return issue.message;
}
