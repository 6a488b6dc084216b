import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringEnd } from '../../src/json-scan.ts';

/** The character-at-a-time skip the scans used before: an escape takes the backslash and the next character. */
function stepwise(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i, text.length);
}

describe('stringEnd', () => {
  it('finds the closing quote as a character-at-a-time skip does, escapes and unclosed strings included', () => {
    const text = fc.string({ unit: fc.constantFrom('"', '\\', 'a', 'é', '😀', 'u'), maxLength: 24 });
    fc.assert(
      fc.property(text, (rest) => {
        const line = `"${rest}`;
        expect(stringEnd(line, 0)).toBe(stepwise(line, 0));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the cases by hand', () => {
    expect(stringEnd('"ab"c', 0)).toBe(3);
    expect(stringEnd('"a\\"b"', 0)).toBe(5);
    expect(stringEnd('"a\\\\"b"', 0)).toBe(4);
    expect(stringEnd('"open', 0)).toBe(5);
  });
});
