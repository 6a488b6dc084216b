import { describe, expect, it } from 'vitest';
import { jsonSchemaBuiltins } from '../../src/builtins/json-schema.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller(jsonSchemaBuiltins);
const schema = fromJson({ type: 'object', properties: { foo: { type: 'string' } }, required: ['foo', 'bar'] });

describe('json schema', () => {
  it('verifies schemas with gojsonschema wording', () => {
    expect(call('json.verify_schema', '{"type": "boolean"}')).toEqual([true, null]);
    expect(call('json.verify_schema', fromJson({ type: 'unknown_type' }))).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
    ]);
    expect(call('json.verify_schema', '{ "a": "')).toEqual([false, 'jsonschema: invalid JSON string']);
    expect(call('json.verify_schema', 5)).toEqual([false, 'jsonschema: wrong type, expected string or object']);
    // gojsonschema's schema.go texts for keyword values that break the draft.
    expect(call('json.verify_schema', fromJson({ minLength: 'x' }))).toEqual([false, 'jsonschema: minLength must be of an integer']);
    expect(call('json.verify_schema', fromJson({ maxItems: -1 }))).toEqual([false, 'jsonschema: maxItems must be greater than or equal to 0']);
    expect(call('json.verify_schema', fromJson({ minimum: 'x' }))).toEqual([false, 'jsonschema: minimum must be of a number']);
    expect(call('json.verify_schema', fromJson({ multipleOf: 0 }))).toEqual([false, 'jsonschema: multipleOf must be strictly greater than 0']);
    expect(call('json.verify_schema', fromJson({ required: 'a' }))).toEqual([false, 'jsonschema: required must be of an array']);
    expect(call('json.verify_schema', fromJson({ required: ['a', 'a'] }))).toEqual([false, 'jsonschema: required items must be unique']);
    expect(call('json.verify_schema', fromJson({ type: 5 }))).toEqual([false, 'jsonschema: Invalid type. Expected: string/array of strings, given: type']);
    expect(call('json.verify_schema', fromJson({ pattern: '(' }))).toEqual([false, 'jsonschema: pattern must be a valid regex']);
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
  });
  it('fails the call, as OPA does, when the document or the schema is not JSON or does not compile', () => {
    expect(failure(() => call('json.match_schema', fromJson({}), fromJson({ type: 'nope' })))).toBe(
      'eval_builtin_error: json.match_schema: has a primitive type that is NOT VALID -- given: /nope/ Expected valid values are:[array boolean integer number null object string]',
    );
    expect(failure(() => call('json.match_schema', '{ "a": "', '{}'))).toBe('eval_builtin_error: json.match_schema: invalid JSON string');
    expect(failure(() => call('json.match_schema', '{}', '{ "a": "'))).toBe('eval_builtin_error: json.match_schema: invalid JSON string');
    expect(failure(() => call('json.match_schema', 1, '{}'))).toBe('eval_builtin_error: json.match_schema: wrong type, expected string or object');
  });
  // A string operand is JSON text (OPA's string loader): the document "x" is written '"x"'.
  it('reports each keyword with gojsonschema type and description', () => {
    const errors = (document: unknown, schema: unknown) =>
      (toJson(call('json.match_schema', JSON.stringify(document), JSON.stringify(schema))!) as [boolean, { error: string; type: string }[]])[1].map((e) => `${e.type}|${e.error}`);
    expect(errors('x', { enum: ['a', 1] })).toEqual(['enum|(root): (root) must be one of the following: "a", 1']);
    expect(errors('x', { const: 'a' })).toEqual(['const|(root): (root) does not match: "a"']);
    expect(errors({ a: 1, b: 2 }, { properties: { a: {} }, additionalProperties: false })).toEqual(['additional_property_not_allowed|(root): Additional property b is not allowed']);
    expect(errors({ s: 'ab' }, { properties: { s: { minLength: 3, pattern: '^z' } } })).toEqual([
      'string_gte|s: String length must be greater than or equal to 3',
      "pattern|s: Does not match pattern '^z'",
    ]);
    expect(errors([1, 1], { uniqueItems: true, minItems: 3 })).toEqual(['array_min_items|(root): Array must have at least 3 items', 'unique|(root): array items[0,1] must be unique']);
    expect(errors(5, { minimum: 6, multipleOf: 2 })).toEqual(['number_gte|(root): Must be greater than or equal to 6', 'multiple_of|(root): Must be a multiple of 2']);
    expect(errors(5, { exclusiveMaximum: 5 })).toEqual(['number_lt|(root): Must be less than 5']);
    expect(errors('not-an-email', { format: 'email' })).toEqual(["format|(root): Does not match format 'email'"]);
    expect(errors({ a: 1 }, { dependencies: { a: ['b'] } })).toEqual(['missing_dependency|(root): Has a dependency on b']);
    expect(errors(1, { not: {} })).toEqual(['number_not|(root): Must not validate the schema (not)']);
    expect(errors(1, false)).toEqual(['false|(root): False always fails validation']);
    expect(errors([{ n: 'x' }], { items: { properties: { n: { type: ['integer', 'null'] } } } })).toEqual(['invalid_type|0.n: Invalid type. Expected: [integer,null], given: string']);
  });
  it('reports a failed anyOf, then the errors of the branch that came closest', () => {
    const schema = fromJson({ anyOf: [{ type: 'string', minLength: 5 }, { type: 'object', required: ['a', 'b'] }] });
    expect(toJson(call('json.match_schema', '"ab"', schema)!)).toEqual([
      false,
      [
        { error: '(root): Must validate at least one schema (anyOf)', type: 'number_any_of', field: '(root)', desc: 'Must validate at least one schema (anyOf)' },
        { error: '(root): String length must be greater than or equal to 5', type: 'string_gte', field: '(root)', desc: 'String length must be greater than or equal to 5' },
      ],
    ]);
  });
  it('reports a failed allOf after the failing branches\' errors, at the instance it applies to', () => {
    const errors = (document: unknown, schema: unknown) =>
      (toJson(call('json.match_schema', JSON.stringify(document), JSON.stringify(schema))!) as [boolean, { error: string; type: string }[]])[1].map((e) => `${e.type}|${e.error}`);
    const schema = { properties: { a: { allOf: [{ type: 'object', required: ['x'] }, { properties: { x: { type: 'string' } } }] } } };
    expect(errors({ a: { x: 1 } }, schema)).toEqual(['invalid_type|a.x: Invalid type. Expected: string, given: integer', 'number_all_of|a: Must validate all the schemas (allOf)']);
    expect(errors({ a: { x: 's' } }, schema)).toEqual([]);
  });

  it('knows drafts 04, 06, 07, 2019-09 and 2020-12 by $schema, and never throws on one', () => {
    const d04 = { $schema: 'http://json-schema.org/draft-04/schema#', minimum: 1, exclusiveMinimum: true };
    expect(call('json.verify_schema', fromJson(d04))).toEqual([true, null]);
    expect(toJson(call('json.match_schema', '1', fromJson(d04))!)).toEqual([false, [{ error: '(root): Must be greater than 1', type: 'number_gt', field: '(root)', desc: 'Must be greater than 1' }]]);
    const d2019 = { $schema: 'https://json-schema.org/draft/2019-09/schema', dependentRequired: { a: ['b'] }, $defs: { n: { type: 'integer' } }, properties: { a: { $ref: '#/$defs/n' } } };
    expect(call('json.verify_schema', fromJson(d2019))).toEqual([true, null]);
    expect(toJson(call('json.match_schema', fromJson({ a: 'x' }), fromJson(d2019))!)).toEqual([
      false,
      [
        { error: 'a: Invalid type. Expected: integer, given: string', type: 'invalid_type', field: 'a', desc: 'Invalid type. Expected: integer, given: string' },
        { error: '(root): Has a dependency on b', type: 'missing_dependency', field: '(root)', desc: 'Has a dependency on b' },
      ],
    ]);
    const d2020 = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false };
    expect(toJson(call('json.match_schema', fromJson(['a']), fromJson(d2020))!)).toEqual([true, []]);
    expect((toJson(call('json.match_schema', fromJson([1, 2]), fromJson(d2020))!) as unknown[])[0]).toBe(false);
    // An unknown $schema is read as draft-07 (OPA's hybrid mode), never an exception.
    expect(toJson(call('json.match_schema', '"x"', fromJson({ $schema: 'http://example.com/s', type: 'string' }))!)).toEqual([true, []]);
    // No remote reference is fetched.
    expect(failure(() => call('json.match_schema', '{}', fromJson({ $ref: 'http://example.com/s.json' })))).toMatch(/^eval_builtin_error: json\.match_schema: can't resolve reference/);
  });
});
