import { describe, expect, it } from 'vitest';
import { jsonSchemaBuiltins } from '../../src/builtins/json-schema.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(jsonSchemaBuiltins);
const schema = fromJson({ type: 'object', properties: { foo: { type: 'string' } }, required: ['foo', 'bar'] });

describe('json schema', () => {
  it('verifies schemas with gojsonschema wording', () => {
    expect(call('json.verify_schema', '{"type": "boolean"}')).toEqual([true, null]);
    expect(call('json.verify_schema', fromJson({ type: 'unknown_type' }))).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
    ]);
    expect((call('json.verify_schema', '{') as unknown[])[0]).toBe(false);
    expect(call('json.verify_schema', fromJson({ $schema: 'http://json-schema.org/draft-06/schema#', type: 'string' }))).toEqual([true, null]);
  });
  it('matches documents and reports {error, type, field, desc}', () => {
    expect(toJson(call('json.match_schema', fromJson({ foo: 'x', bar: 1 }), schema)!)).toEqual([true, []]);
    expect(toJson(call('json.match_schema', '{"foo": 5}', schema)!)).toEqual([
      false,
      [
        { desc: 'bar is required', error: '(root): bar is required', field: '(root)', type: 'required' },
        { desc: 'Invalid type. Expected: string, given: integer', error: 'foo: Invalid type. Expected: string, given: integer', field: 'foo', type: 'invalid_type' },
      ],
    ]);
    expect(() => call('json.match_schema', fromJson({}), fromJson({ type: 'nope' }))).toThrow('json.match_schema: jsonschema: has a primitive type');
  });
});
