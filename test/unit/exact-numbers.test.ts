import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertExactNumbers } from '../../src/exact-numbers.ts';
import type { WardenError } from '../../src/errors.ts';

/** The definition, written out independently: a literal is exact when the number written back has the same decimal value. */
function sameValue(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  const normal = (text: string): string => {
    const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
    const digits = `${whole}${fraction}`.replace(/^0+/, '');
    if (digits === '') return `${sign}0`;
    const trimmed = digits.replace(/0+$/, '');
    return `${sign}${trimmed}e${BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - trimmed.length)}`;
  };
  return normal(literal) === normal(JSON.stringify(value));
}

const refused = (text: string): boolean => {
  try {
    assertExactNumbers(text);
    return false;
  } catch {
    return true;
  }
};

const literals = fc.oneof(
  fc.stringMatching(/^-?(0|[1-9]\d{0,24})(\.\d{1,24})?([eE][+-]?\d{1,3})?$/),
  fc.double({ noNaN: true, noDefaultInfinity: true }).chain((d) => fc.constantFrom(JSON.stringify(d), d.toExponential(), d.toPrecision(17), d.toPrecision(15))),
);

describe('exact numbers', () => {
  it('refuses a message exactly when one of its number literals would change on the way', () => {
    fc.assert(
      fc.property(literals, (literal) => {
        expect(refused(`{"id":1,"params":{"n":${literal},"s":"${literal}"}}`)).toBe(!sameValue(literal));
      }),
      { numRuns: 5_000 },
    );
  });

  it('decides any text, JSON or not, as the token scan does (the common case is answered without it)', () => {
    const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
    const byTokens = (text: string): boolean => [...text.matchAll(TOKENS)].some(([token]) => !token.startsWith('"') && !sameValue(token));
    const noisy = fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '-', '+', '"', '\\', ' ', 'a', ',', '[', '{', ':') });
    fc.assert(
      fc.property(fc.oneof(fc.json(), noisy), (text) => {
        expect(refused(text)).toBe(byTokens(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('skips digits inside strings, and tells a long literal that survives from one that does not', () => {
    expect(refused('{"s":"9007199254740993 1e400 -0","n":[1.5,-2,0.125,123456789012345]}')).toBe(false);
    expect(refused('{"n":1234567890.12345}')).toBe(false);
    expect(refused('{"n":1234567890.12345678901}')).toBe(true);
    expect(refused('{"n":-0.0}')).toBe(true);
  });

  it('names the field of the refused literal, however deep and whatever its key, and the request id', () => {
    const MARK = '\u0001inexact\u0001';
    const segment = fc.oneof(fc.string({ maxLength: 6 }).map((key) => ({ key })), fc.nat(3).map((index) => ({ index })));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.json(), (path, sibling) => {
        let value: unknown = MARK;
        for (const step of [...path].reverse()) {
          // A sibling before the value: its key is longer than the value's, so never the same.
          value = 'key' in step ? { [`${step.key}~`]: JSON.parse(sibling), [step.key]: value } : [...Array.from({ length: step.index }, () => JSON.parse(sibling)), value];
        }
        const text = JSON.stringify({ jsonrpc: '2.0', id: 7, params: value }).replace(JSON.stringify(MARK), '9007199254740993');
        let refusal: WardenError | undefined;
        try {
          assertExactNumbers(text);
        } catch (error) {
          refusal = error as WardenError;
        }
        const field = ['params', ...path.map((step) => ('key' in step ? step.key : step.index))].join('.');
        expect(refusal?.details).toEqual({ field, requestId: 7 });
        expect(refusal?.message).toContain(`9007199254740993 at ${field} `);
      }),
      { numRuns: 2_000 },
    );
  });

  it('still refuses, and names a field, in text that is not JSON (a stdio line is checked before it is parsed)', () => {
    expect(() => assertExactNumbers('{"a\\q":[1e400')).toThrow(/at a\\q\.0 /);
    expect(() => assertExactNumbers('{"bad \\x escape": 1e400}')).toThrow(/1e400 at bad \\x escape /);
  });
});
