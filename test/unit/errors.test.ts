import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WardenError, asWardenError } from '../../src/errors.ts';

describe('errors', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const page = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...page.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  // A code in the table that nothing raises is a promise the docs make and the code does not keep;
  // one that no test names is a behaviour nothing guards. Read as text: a code is raised where a
  // source file names it in quotes (the table and its JSON-RPC mapping use bare keys).
  it('raises every code somewhere in src/ and names every code in some test', () => {
    const sources = filesUnder('src');
    const tests = filesUnder('test');
    const mentioned = (files: string[], code: string) => files.some((file) => readFileSync(file, 'utf8').includes(`'${code}'`));
    const codes = Object.keys(ERROR_CODES);
    expect(codes.filter((code) => !mentioned(sources, code))).toEqual([]);
    expect(codes.filter((code) => !mentioned(tests, code))).toEqual([]);
  });

  it('keeps the code and the cause', () => {
    const cause = new Error('disk full');
    const error = new WardenError('AUDIT_UNAVAILABLE', 'audit write failed', { cause });
    expect(error.code).toBe('AUDIT_UNAVAILABLE');
    expect(error.cause).toBe(cause);
  });

  it('wraps a foreign exception as INTERNAL unless told otherwise', () => {
    expect(asWardenError(new TypeError('boom')).code).toBe('INTERNAL');
    expect(asWardenError('x', 'POLICY_ERROR').code).toBe('POLICY_ERROR');
  });
});

function filesUnder(dir: string): string[] {
  const root = new URL(`../../${dir}/`, import.meta.url).pathname;
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(root, f));
}
