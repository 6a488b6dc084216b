import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../../src/policy/json-error-offset.ts';

describe('JSON error offset', () => {
  it.each([
    ['a trailing comma in an array', '[1, 2,]', 6],
    ['a trailing comma in an object', '{"a": 1,}', 8],
    ['an unquoted key', '{a: 1}', 1],
    ['a missing colon', '{"a" 1}', 5],
    ['a missing comma', '[1 2]', 3],
    ['a misspelt literal', '[tru]', 1],
    ['a leading zero', '01', 1],
    ['a bad escape', '"a\\x"', 0],
    ['a raw newline inside a string', '"a\nb"', 0],
    ['text after the value', '{} x', 3],
    ['a truncated document', '{"a": [1, 2', 11],
    ['an empty document', '  ', 2],
  ])('points at %s', (_, text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('walks nested valid structure up to the first fault', () => {
    const text = '{\n  "warden": {"roles": {"ops": ["a", "b"]}, "n": -1.5e3, "t": true, "f": null},\n  "x": [1, 2,]\n}';
    expect(text.slice(jsonErrorOffset(text))).toBe(']\n}');
  });
});
