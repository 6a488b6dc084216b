import type { ErrorObject } from 'ajv';
import type { Value } from '../value.ts';
import { isObject, toJson } from '../value.ts';
import { marshalJson } from './lib/json/json-text.ts';
import { SchemaCompileError, compileSchema } from './lib/json/schema-drafts.ts';
import type { CompiledSchema } from './lib/json/schema-drafts.ts';
import { reportErrors } from './lib/json/schema-errors.ts';
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
    const invalid = (Array.isArray(given) ? given : [given]).find((t) => typeof t === 'string' && !PRIMITIVE_TYPES.includes(t));
    if (invalid !== undefined) {
      return `has a primitive type that is NOT VALID -- given: /${String(invalid)}/ Expected valid values are:[${PRIMITIVE_TYPES.join(' ')}]`;
    }
  }
  const first = error.metaErrors[0];
  return (first && keywordErrorText(first)) ?? error.message;
}

const INTEGER_KEYWORDS = new Set(['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']);
const NUMBER_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']);

/** gojsonschema's schema-parsing messages (schema.go) for a keyword whose value breaks the draft. */
function keywordErrorText(meta: ErrorObject): string | undefined {
  const path = meta.instancePath.split('/').slice(1).map(unescapePointer);
  const item = /^\d+$/.test(path[path.length - 1] ?? '');
  const key = item ? path[path.length - 2] : path[path.length - 1];
  if (key === undefined) return undefined;
  if (INTEGER_KEYWORDS.has(key)) return meta.keyword === 'minimum' ? `${key} must be greater than or equal to 0` : `${key} must be of an integer`;
  if (NUMBER_KEYWORDS.has(key)) return key === 'multipleOf' && meta.keyword !== 'type' ? 'multipleOf must be strictly greater than 0' : `${key} must be of a number`;
  if (key === 'required' || key === 'enum') {
    if (meta.keyword === 'uniqueItems') return `${key} items must be unique`;
    return item ? `${key} items must be string` : `${key} must be of an array`;
  }
  if (key === 'pattern') return 'pattern must be of type string';
  if (key === 'type') return 'Invalid type. Expected: string/array of strings, given: type';
  return undefined;
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
    return [false, reportErrors(validate.errors ?? [])];
  } catch (error) {
    if (error instanceof OperandError) throw builtinError(name, error.message);
    throw error;
  }
}

export const jsonSchemaBuiltins: Builtin[] = [
  { name: 'json.verify_schema', arity: 1, impl: verify },
  { name: 'json.match_schema', arity: 2, impl: match },
];
