import { describe, expect, it } from 'vitest';
import { assertJsonDepth } from '../../src/json-depth.ts';
import { isWardenError } from '../../src/errors.ts';

const nested = (depth: number): string => `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"arguments":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
const refusal = (text: string, max: number) => {
  try {
    assertJsonDepth(text, max);
    return undefined;
  } catch (error) {
    if (!isWardenError(error, 'REQUEST_TOO_DEEP')) throw error;
    return error;
  }
};

describe('assertJsonDepth', () => {
  it('passes a message nested exactly to the limit and refuses one level more, naming the field and the id', () => {
    // The top object, params and arguments are three levels: the arrays add the rest.
    expect(refusal(nested(61), 64)).toBeUndefined();
    const refused = refusal(nested(62), 64)!;
    // The field is the value that opens too deep: the 62nd array, the first item of the 61st.
    const field = `params.arguments.deep${'.0'.repeat(61)}`;
    expect(refused.details).toMatchObject({ limit: 64, requestId: 7, field });
    // The message shows the field's first 117 characters.
    expect(refused.message).toBe(`the message nests objects and arrays deeper than 64 levels at ${field.slice(0, 117)}...`);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(refusal(JSON.stringify({ a: '[[[[[[[[[[{{{{{{{{', b: 'x\\"[[[[[[[[' }), 2)).toBeUndefined();
    expect(refusal('{"a":{"b":{"c":1}}}', 2)?.details).toMatchObject({ field: 'a.b' });
  });

  it('reads text that is no JSON without throwing anything else', () => {
    expect(refusal('[[[[', 3)?.details).toMatchObject({ requestId: null });
    expect(refusal('"unterminated [[[[', 1)).toBeUndefined();
  });
});
