import { describe, expect, it } from 'vitest';
import { JsonTextError, MAX_FILE_DEPTH, parseJsonText } from '../../src/json-text.ts';

function failure(text: string, comments = false): JsonTextError {
  try {
    parseJsonText(text, { comments });
  } catch (error) {
    if (error instanceof JsonTextError) return error;
    throw error;
  }
  throw new Error(`parsed: ${text}`);
}

describe('JSON text - one reader for config, data and input files', () => {
  it.each([
    ['a trailing comma in an array', '[1, 2,]', '1:7: expected a value, found "]"'],
    ['a trailing comma in an object', '{"a": 1,}', '1:9: expected a property name in double quotes, found "}"'],
    ['an unquoted key', '{a: 1}', '1:2: an invalid symbol: "a"'],
    ['a missing colon', '{"a" 1}', '1:6: expected ":", found "1"'],
    ['a missing comma', '[1 2]', '1:4: expected "," or the end of the object or array, found "2"'],
    ['a misspelt literal', '[tru]', '1:2: an invalid symbol: "tru"'],
    ['text after the value', '{} x', '1:4: an invalid symbol: "x"'],
    ['a truncated document', '{"a": [1, 2', '1:12: expected "]", found the end of the text'],
    ['an empty document', '  ', '1:3: expected a value, found the end of the text'],
    ['a string that is not closed', '{"a": "b\n}', '1:7: a string that is not closed: "\\"b"'],
    ['a fault on a later line', '{\n  "warden": {"n": -1.5e3, "t": true},\n  "x": [1, 2,]\n}', '3:14: expected a value, found "]"'],
  ])('names line:column and what went wrong for %s', (_, text, message) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(failure(text).message).toBe(message);
  });

  it('refuses nesting deeper than MAX_FILE_DEPTH at the bracket that goes too deep, however deep the file', () => {
    const nested = (levels: number, open: string, close: string) => `${open.repeat(levels)}${close.repeat(levels)}`;
    expect(failure(nested(100_000, '[', ']')).message).toBe(`1:${MAX_FILE_DEPTH + 1}: nested deeper than ${MAX_FILE_DEPTH} levels`);
    const objects = `{"a":\n${'{"b":'.repeat(100_000)}1${'}'.repeat(100_001)}`;
    expect(failure(objects).message).toBe(`2:${5 * (MAX_FILE_DEPTH - 1) + 1}: nested deeper than ${MAX_FILE_DEPTH} levels`);
    const deepest = parseJsonText(nested(MAX_FILE_DEPTH, '[', ']'), { comments: false });
    let levels = 0;
    for (let value = deepest; Array.isArray(value); value = value[0]) levels += 1;
    expect(levels).toBe(MAX_FILE_DEPTH);
  });

  it('reads comments only where they are allowed', () => {
    const text = '{\n  // the db upstream\n  "a": 1, /* inline */ "b": [2]\n}';
    expect(parseJsonText(text, { comments: true })).toEqual({ a: 1, b: [2] });
    expect(failure(text).message).toBe('2:3: a comment (comments are not allowed in this file): "// the db upstream"');
  });

  it('builds the value JSON.parse builds: __proto__ is an own key, the last equal key wins, numbers unchanged', () => {
    const text = '{"__proto__": {"polluted": true}, "a": 1, "a": 2, "n": [1e2, -0.5, 12345678901234567890], "s": "\\u00e9\\n", "z": null}';
    const value = parseJsonText(text, { comments: false }) as Record<string, unknown>;
    expect(value).toStrictEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
