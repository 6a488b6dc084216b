import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import type { Value } from '../value.ts';
import { isObject, RObject, toJson } from '../value.ts';
import { JsonSyntaxError, marshalJson, parseJson } from './lib/json/json-text.ts';
import type { Builtin } from './types.ts';
import { builtinError, operandError } from '../errors.ts';

/**
 * json.verify_schema and json.match_schema. OPA uses gojsonschema; we validate with ajv (draft-07)
 * and report errors in gojsonschema's shape and wording ({error, type, field, desc}).
 */

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false, logger: false });
// gojsonschema also accepts draft-06 schemas (draft-04 needs a meta-schema ajv no longer ships).
ajv.addMetaSchema(draft06);

/** Compiled schemas by canonical text; policies reuse a handful of schemas, so a small bound suffices. */
const compiled = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 64;

const PRIMITIVE_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/** A schema or document operand: JSON text or an object. */
function schemaJson(name: string, value: Value, position: number): { text: string; json: unknown } {
  if (typeof value === 'string') {
    try {
      const parsed = parseJson(value);
      return { text: marshalJson(parsed), json: toJson(parsed) };
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw new SchemaError(`jsonschema: invalid JSON: ${error.message}`);
      throw error;
    }
  }
  if (!isObject(value)) throw operandError(name, position, 'one of {object, string}', value);
  return { text: marshalJson(value), json: toJson(value) };
}

/** gojsonschema's wording for the schema errors policies most often hit (a bad `type`). */
function schemaErrorText(schema: unknown, errors: ErrorObject[]): string {
  for (const error of errors) {
    if (!error.instancePath.endsWith('/type')) continue;
    const given = error.instancePath
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], schema);
    const invalid = (Array.isArray(given) ? given : [given]).find((t) => !PRIMITIVE_TYPES.includes(t as string));
    if (invalid !== undefined) {
      return `jsonschema: has a primitive type that is NOT VALID -- given: /${String(invalid)}/ Expected valid values are:[${PRIMITIVE_TYPES.join(' ')}]`;
    }
  }
  return `jsonschema: ${ajv.errorsText(errors, { dataVar: 'schema' })}`;
}

function compile(schema: { text: string; json: unknown }): ValidateFunction {
  let validate = compiled.get(schema.text);
  if (!validate) {
    if (typeof schema.json !== 'boolean' && !ajv.validateSchema(schema.json as object)) {
      throw new SchemaError(schemaErrorText(schema.json, ajv.errors ?? []));
    }
    try {
      validate = ajv.compile(schema.json as object);
    } catch (error) {
      throw new SchemaError(`jsonschema: ${(error as Error).message}`);
    }
    if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
    compiled.set(schema.text, validate);
  }
  return validate;
}

const TYPE_NAMES: Record<string, string> = {
  required: 'required',
  type: 'invalid_type',
  enum: 'enum',
  const: 'const',
  additionalProperties: 'additional_property_not_allowed',
  minLength: 'string_gte',
  maxLength: 'string_lte',
  minimum: 'number_gte',
  maximum: 'number_lte',
  exclusiveMinimum: 'number_gt',
  exclusiveMaximum: 'number_lt',
  minItems: 'array_min_items',
  maxItems: 'array_max_items',
  uniqueItems: 'unique',
  pattern: 'pattern',
  format: 'format',
  anyOf: 'number_any_of',
  oneOf: 'number_one_of',
  allOf: 'number_all_of',
  not: 'number_not',
  multipleOf: 'multiple_of',
  minProperties: 'array_min_properties',
  maxProperties: 'array_max_properties',
};

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' || typeof value === 'bigint') return Number.isInteger(Number(value)) ? 'integer' : 'number';
  return typeof value;
}

/** gojsonschema's description texts. */
function description(error: ErrorObject, field: string): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
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
    case 'minLength':
      return `String length must be greater than or equal to ${String(p.limit)}`;
    case 'maxLength':
      return `String length must be less than or equal to ${String(p.limit)}`;
    case 'minimum':
      return `Must be greater than or equal to ${String(p.limit)}`;
    case 'maximum':
      return `Must be less than or equal to ${String(p.limit)}`;
    case 'minItems':
      return `Array must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `Array must have at most ${String(p.limit)} items`;
    case 'pattern':
      return `Does not match pattern '${String(p.pattern)}'`;
    case 'anyOf':
      return 'Must validate at least one schema (anyOf)';
    case 'oneOf':
      return 'Must validate one and only one schema (oneOf)';
    case 'not':
      return 'Must not validate the schema (not)';
    case 'multipleOf':
      return `Must be a multiple of ${String(p.multipleOf)}`;
    default:
      return error.message ?? error.keyword;
  }
}

/** `/a/0/b` -> `a.0.b`; the root is `(root)` (a missing property is reported on its parent). */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.length === 0 ? '(root)' : parts.join('.');
}

/** gojsonschema prints one type by name and several as `[a,b]`. */
const typesText = (types: unknown): string => {
  const list = String(types).split(',');
  return list.length === 1 ? list[0]! : `[${list.join(',')}]`;
};

function resultError(error: ErrorObject): RObject {
  const field = fieldOf(error);
  const desc = description(error, field);
  return RObject.fromEntries([
    ['error', `${field}: ${desc}`],
    ['type', TYPE_NAMES[error.keyword] ?? error.keyword],
    ['field', field],
    ['desc', desc],
  ]);
}

function schemaCall<T>(name: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof SchemaError) throw builtinError(name, error.message);
    throw error;
  }
}

export const jsonSchemaBuiltins: Builtin[] = [
  {
    name: 'json.verify_schema',
    arity: 1,
    impl: ([schema]) => {
      try {
        compile(schemaJson('json.verify_schema', schema!, 1));
        return [true, null];
      } catch (error) {
        if (error instanceof SchemaError) return [false, error.message];
        throw error;
      }
    },
  },
  {
    name: 'json.match_schema',
    arity: 2,
    impl: ([document, schema]) =>
      schemaCall('json.match_schema', () => {
        const validate = compile(schemaJson('json.match_schema', schema!, 2));
        if (validate(schemaJson('json.match_schema', document!, 1).json)) return [true, []];
        return [false, (validate.errors ?? []).map(resultError)];
      }),
  },
];
