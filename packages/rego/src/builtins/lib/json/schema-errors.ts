import type { ErrorObject } from 'ajv';
import type { Value } from '../../../value.ts';
import { RObject } from '../../../value.ts';

/**
 * json.match_schema's error list as gojsonschema makes it: `{error, type, field, desc}` with its
 * DefaultLocale texts and type names, `(root)` for the document itself. Which errors it reports,
 * from ajv's (which reports every failing branch):
 * - a failed anyOf/oneOf: the combinator's error, then the errors of the branch that came closest
 *   (fewest errors; the first on a tie);
 * - a failed allOf: the failing branches' errors, then one allOf error for the instance (ajv has
 *   none of its own).
 */
export function reportErrors(errors: readonly ErrorObject[]): Value[] {
  return withAllOf(selectBranches(errors)).map(resultError);
}

const unescapePointer = (part: string): string => part.replace(/~1/g, '/').replace(/~0/g, '~');


function selectBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const branch = (error: ErrorObject, prefix: string): number | undefined => {
    if (!error.schemaPath.startsWith(`${prefix}/`)) return undefined;
    const index = /^(\d+)(?:\/|$)/.exec(error.schemaPath.slice(prefix.length + 1));
    return index ? Number(index[1]) : undefined;
  };
  let pending = [...errors];
  while (pending.length > 0) {
    const combinator = pending.findIndex((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
    if (combinator < 0) {
      out.push(...pending.filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames'));
      break;
    }
    const head = pending[combinator]!;
    const inside = pending.slice(0, combinator).filter((e) => branch(e, head.schemaPath) !== undefined);
    const before = pending.slice(0, combinator).filter((e) => branch(e, head.schemaPath) === undefined);
    out.push(...before.filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames'));
    out.push(head);
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of inside) byBranch.set(branch(e, head.schemaPath)!, [...(byBranch.get(branch(e, head.schemaPath)!) ?? []), e]);
    const best = [...byBranch.entries()].sort(([a, x], [b, y]) => x.length - y.length || a - b)[0];
    if (best) out.push(...selectBranches(best[1]));
    pending = pending.slice(combinator + 1);
  }
  return out;
}

/** Keywords whose subschema applies to a part of the instance (one instance path segment down). */
const NAMED_DESCENTS = new Set(['properties', 'patternProperties']);
const DESCENTS = new Set(['additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems', 'contains', 'items', 'prefixItems']);

/** How many instance levels a schema path (after a combinator branch) goes down. */
function descents(path: string[]): number {
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    if (NAMED_DESCENTS.has(path[i]!)) {
      depth++;
      i++;
    } else if (DESCENTS.has(path[i]!)) {
      depth++;
      if (/^\d+$/.test(path[i + 1] ?? '')) i++;
    }
  }
  return depth;
}

function withAllOf(errors: ErrorObject[]): ErrorObject[] {
  const summaries = new Map<string, { after: number; error: ErrorObject }>();
  errors.forEach((error, position) => {
    for (const match of error.schemaPath.matchAll(/\/allOf\/\d+\//g)) {
      const schemaPath = error.schemaPath.slice(0, match.index + '/allOf'.length);
      const below = error.schemaPath.slice(match.index + match[0].length).split('/').slice(0, -1);
      const segments = error.instancePath.split('/').slice(1);
      const depth = Math.min(descents(below), segments.length);
      const instancePath = segments.slice(0, segments.length - depth).map((s) => `/${s}`).join('');
      summaries.set(`${schemaPath} ${instancePath}`, {
        after: position,
        error: { keyword: 'allOf', instancePath, schemaPath, params: {}, message: 'must match all schemas' },
      });
    }
  });
  const out: ErrorObject[] = [];
  errors.forEach((error, position) => {
    out.push(error);
    for (const summary of summaries.values()) if (summary.after === position) out.push(summary.error);
  });
  return out;
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

