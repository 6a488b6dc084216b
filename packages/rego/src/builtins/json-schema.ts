import type { ErrorObject } from 'ajv';
import type { Value } from '../value.ts';
import { RObject, isObject, toJson } from '../value.ts';
import { marshalJson } from './lib/json/json-text.ts';
import { SchemaCompileError, compileSchema } from './lib/json/schema-drafts.ts';
import type { CompiledSchema } from './lib/json/schema-drafts.ts';
import { gojsonschemaErrors } from './lib/json/schema-errors.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

/**
 * json.verify_schema and json.match_schema, in OPA's shape and with gojsonschema's wording
 * (`{error, type, field, desc}`, `(root)` for the document itself). Validation itself is ajv's
 * (lib/json/schema-drafts.ts says which draft and why). What OPA answers, and so do we:
 * - verify_schema never fails: `[true, null]` or `[false, "jsonschema: <why>"]`;
 * - match_schema fails the call (eval_builtin_error) when the document or the schema is not JSON
 *   or the schema does not compile, and otherwise answers `[valid, errors]`.
 */

class OperandError extends Error {
  override readonly name = 'OperandError';
}

/** A schema or document operand: JSON text, an object or an array (OPA's astValueToJSONSchemaLoader). */
function operand(value: Value): { text: string; json: unknown } {
  if (typeof value === 'string') {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      throw new OperandError('invalid JSON string');
    }
    return { text: JSON.stringify(json), json };
  }
  if (!isObject(value) && !Array.isArray(value)) throw new OperandError('wrong type, expected string or object');
  return { text: marshalJson(value), json: plainJson(value) };
}

/** JSON for ajv: integers beyond 2^53 become doubles (gojsonschema compares numbers as floats). */
function plainJson(value: Value): unknown {
  return JSON.parse(JSON.stringify(toJson(value), (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

const PRIMITIVE_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

/** gojsonschema's text for a schema that breaks its draft's rules. */
function compileErrorText(schema: unknown, error: SchemaCompileError): string {
  for (const meta of error.metaErrors) {
    if (!meta.instancePath.endsWith('/type') && meta.instancePath !== '/type') continue;
    const given = pointer(schema, meta.instancePath);
    const invalid = (Array.isArray(given) ? given : [given]).find((t) => !PRIMITIVE_TYPES.includes(t as string));
    if (invalid !== undefined) {
      return `has a primitive type that is NOT VALID -- given: /${String(invalid)}/ Expected valid values are:[${PRIMITIVE_TYPES.join(' ')}]`;
    }
  }
  const first = error.metaErrors[0];
  if (first?.keyword === 'type') {
    // `"minLength": "x"` -> `Invalid type. Expected: integer, given: minLength`
    const key = first.instancePath.split('/').pop() ?? '';
    return `Invalid type. Expected: ${String((first.params as { type: unknown }).type)}, given: ${unescapePointer(key)}`;
  }
  return error.message;
}

function unescapePointer(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(document: unknown, path: string): unknown {
  return path
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[unescapePointer(key)], document);
}

function compile(schema: { text: string; json: unknown }): CompiledSchema {
  try {
    return compileSchema(schema.text, schema.json);
  } catch (error) {
    if (error instanceof SchemaCompileError) throw new OperandError(compileErrorText(schema.json, error));
    throw error;
  }
}

/** gojsonschema's `type` of each error, by the keyword that failed. */
const TYPE_NAMES: Record<string, string> = {
  'false schema': 'false',
  required: 'required',
  type: 'invalid_type',
  enum: 'enum',
  const: 'const',
  additionalProperties: 'additional_property_not_allowed',
  unevaluatedProperties: 'additional_property_not_allowed',
  additionalItems: 'array_no_additional_items',
  unevaluatedItems: 'array_no_additional_items',
  items: 'array_no_additional_items',
  minLength: 'string_gte',
  maxLength: 'string_lte',
  minimum: 'number_gte',
  maximum: 'number_lte',
  exclusiveMinimum: 'number_gt',
  exclusiveMaximum: 'number_lt',
  minItems: 'array_min_items',
  maxItems: 'array_max_items',
  uniqueItems: 'unique',
  contains: 'contains',
  pattern: 'pattern',
  format: 'format',
  anyOf: 'number_any_of',
  oneOf: 'number_one_of',
  allOf: 'number_all_of',
  not: 'number_not',
  multipleOf: 'multiple_of',
  minProperties: 'array_min_properties',
  maxProperties: 'array_max_properties',
  dependencies: 'missing_dependency',
  dependentRequired: 'missing_dependency',
  propertyNames: 'invalid_property_name',
  if: 'condition_then',
};

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** gojsonschema prints one type by name and several as `[a,b]`. */
function typesText(types: unknown): string {
  const list = Array.isArray(types) ? types.map(String) : String(types).split(',');
  return list.length === 1 ? list[0]! : `[${list.join(',')}]`;
}

/** gojsonschema's description (its DefaultLocale texts). */
function description(error: ErrorObject, field: string): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'false schema':
      return 'False always fails validation';
    case 'required':
      return `${String(p.missingProperty)} is required`;
    case 'type':
      return `Invalid type. Expected: ${typesText(p.type)}, given: ${jsonTypeOf(error.data)}`;
    case 'enum':
      return `${field} must be one of the following: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${field} does not match: ${JSON.stringify(p.allowedValue)}`;
    case 'additionalProperties':
      return `Additional property ${String(p.additionalProperty)} is not allowed`;
    case 'unevaluatedProperties':
      return `Additional property ${String(p.unevaluatedProperty)} is not allowed`;
    case 'additionalItems':
    case 'unevaluatedItems':
    case 'items':
      return 'No additional items allowed on array';
    case 'minLength':
      return `String length must be greater than or equal to ${String(p.limit)}`;
    case 'maxLength':
      return `String length must be less than or equal to ${String(p.limit)}`;
    case 'minimum':
      return p.comparison === '>' ? `Must be greater than ${String(p.limit)}` : `Must be greater than or equal to ${String(p.limit)}`;
    case 'maximum':
      return p.comparison === '<' ? `Must be less than ${String(p.limit)}` : `Must be less than or equal to ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `Must be greater than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `Must be less than ${String(p.limit)}`;
    case 'minItems':
      return `Array must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `Array must have at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return `array items[${String(Math.min(Number(p.i), Number(p.j)))},${String(Math.max(Number(p.i), Number(p.j)))}] must be unique`;
    case 'contains':
      return 'At least one of the items must match';
    case 'pattern':
      return `Does not match pattern '${String(p.pattern)}'`;
    case 'format':
      return `Does not match format '${String(p.format)}'`;
    case 'anyOf':
      return 'Must validate at least one schema (anyOf)';
    case 'oneOf':
      return 'Must validate one and only one schema (oneOf)';
    case 'allOf':
      return 'Must validate all the schemas (allOf)';
    case 'not':
      return 'Must not validate the schema (not)';
    case 'multipleOf':
      return `Must be a multiple of ${String(p.multipleOf)}`;
    case 'minProperties':
      return `Must have at least ${String(p.limit)} properties`;
    case 'maxProperties':
      return `Must have at most ${String(p.limit)} properties`;
    case 'dependencies':
    case 'dependentRequired':
      return `Has a dependency on ${String(p.missingProperty)}`;
    case 'propertyNames':
      return `Property name of "${String(p.propertyName)}" does not match`;
    case 'if':
      return p.failingKeyword === 'else' ? 'Must validate "else" as "if" was not valid' : 'Must validate "then" as "if" was valid';
    default:
      return error.message ?? error.keyword;
  }
}

/** `/a/0/b` -> `a.0.b`; the document itself is `(root)`. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map(unescapePointer);
  return parts.length === 0 ? '(root)' : parts.join('.');
}

/** The type name; a few keywords have two (draft-04's boolean exclusive bounds, if's then/else). */
function typeOf(error: ErrorObject): string {
  const p = error.params as { failingKeyword?: string; comparison?: string };
  if (error.keyword === 'if' && p.failingKeyword === 'else') return 'condition_else';
  if (error.keyword === 'minimum' && p.comparison === '>') return 'number_gt';
  if (error.keyword === 'maximum' && p.comparison === '<') return 'number_lt';
  return TYPE_NAMES[error.keyword] ?? error.keyword;
}

function resultError(error: ErrorObject): RObject {
  const field = fieldOf(error);
  const desc = description(error, field);
  const type = typeOf(error);
  return RObject.fromEntries([
    ['error', `${field}: ${desc}`],
    ['type', type],
    ['field', field],
    ['desc', desc],
  ]);
}

function verify([schema]: Value[]): Value {
  try {
    compile(operand(schema!));
    return [true, null];
  } catch (error) {
    if (error instanceof OperandError) return [false, `jsonschema: ${error.message}`];
    throw error;
  }
}

function match([document, schema]: Value[]): Value {
  const name = 'json.match_schema';
  try {
    const instance = operand(document!);
    const { validate } = compile(operand(schema!));
    if (validate(instance.json)) return [true, []];
    return [false, gojsonschemaErrors(validate.errors ?? []).map(resultError)];
  } catch (error) {
    if (error instanceof OperandError) throw builtinError(name, error.message);
    throw error;
  }
}

export const jsonSchemaBuiltins: Builtin[] = [
  { name: 'json.verify_schema', arity: 1, impl: verify },
  { name: 'json.match_schema', arity: 2, impl: match },
];
