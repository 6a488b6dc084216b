import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WardenError, asWardenError } from '../src/errors.ts';

describe('errors', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const page = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...page.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
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
