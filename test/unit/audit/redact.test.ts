import { describe, expect, it } from 'vitest';
import { auditConfigSchema } from '../../../src/audit/config.ts';
import { canonicalJson } from '../../../src/audit/chain.ts';
import { createRedactor } from '../../../src/audit/redact.ts';

const redactor = createRedactor(auditConfigSchema.parse({}).redact);

describe('audit redaction', () => {
  it('replaces values of secret keys, matching case- and separator-insensitive suffixes', () => {
    expect(redactor.redactArguments({ access_token: 'a', 'X-Api-Key': 'b', apiKey: 'c', DB_PASSWORD: 'd', Cookie: 'e', max_tokens: 5, tokenizer: 'bpe' })).toEqual({
      access_token: '[REDACTED]', 'X-Api-Key': '[REDACTED]', apiKey: '[REDACTED]', DB_PASSWORD: '[REDACTED]', Cookie: '[REDACTED]', max_tokens: 5, tokenizer: 'bpe',
    });
  });

  it('redacts a whole object or array under a secret key, and leaves null alone', () => {
    expect(redactor.redactArguments({ secret: { nested: 1 }, password: null, list: [{ token: 'x' }] })).toEqual({ secret: '[REDACTED]', password: null, list: [{ token: '[REDACTED]' }] });
  });

  it('finds credential shapes inside any string', () => {
    const cases: [string, string][] = [
      ['auth: Bearer abc-123.def', 'auth: [REDACTED:bearer]'],
      ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl here', 'jwt [REDACTED:jwt] here'],
      ['aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED:aws-key]'],
      ['gcp AIzaSyA-1234567890abcdefghijklmnopqrstu', 'gcp [REDACTED:gcp-key]'],
      ['gh ghp_0123456789abcdefghijklmnopqrstuvwxyz', 'gh [REDACTED:github-token]'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----', '[REDACTED:pem]'],
      ['select * from users where name = ?', 'select * from users where name = ?'],
    ];
    for (const [input, output] of cases) expect(redactor.redactText(input), input).toBe(output);
  });

  it('redacts into canonical order the same values as redactArguments, so the rows keep their bytes', () => {
    const values: unknown[] = [
      { z: { token: 'x', b: [{ d: 'Bearer abc.def', c: null }] }, a: 'ok', password: null, api_key: 0 },
      JSON.parse('{"__proto__":{"secret":"s","b":1},"constructor":"c","10":1,"9":2}'),
      [{ b: 1, a: undefined }, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl', 3, true, null],
      { when: new Date('2026-12-06T19:00:00.000Z'), nested: { y: { x: {} } } },
      'plain', 7, null, undefined,
    ];
    for (const value of values) {
      const canonical = redactor.redactCanonical(value);
      expect(JSON.stringify(canonical) ?? 'null', String(JSON.stringify(value))).toBe(canonicalJson(redactor.redactArguments(value)));
      expect(canonicalJson(canonical)).toBe(canonicalJson(redactor.redactArguments(value)));
    }
    expect(Object.keys(redactor.redactCanonical({ b: 1, a: 2 }) as object)).toEqual(['a', 'b']);
  });

  it('applies configured extra patterns', () => {
    const custom = createRedactor(auditConfigSchema.parse({ redact: { patterns: ['ACME-[0-9]{6}'] } }).redact);
    expect(custom.redactArguments({ note: 'ticket ACME-123456' })).toEqual({ note: 'ticket [REDACTED:custom]' });
  });

  it('refuses a pattern that does not compile or matches the empty string, naming the entry', () => {
    const invalid = auditConfigSchema.safeParse({ redact: { patterns: ['ok', '(unclosed'] } });
    expect(invalid.success).toBe(false);
    expect(invalid.error!.issues[0]).toMatchObject({ path: ['redact', 'patterns', 1], message: expect.stringMatching(/^not a valid regular expression: /) });
    const empty = auditConfigSchema.safeParse({ redact: { patterns: ['x*'] } });
    expect(empty.error!.issues[0]).toMatchObject({ path: ['redact', 'patterns', 0], message: 'must not match the empty string' });
  });
});
