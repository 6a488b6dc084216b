import type { Value } from '../../../value.ts';
import { RObject, RSet, numberKey } from '../../../value.ts';
import { regoText } from '../../../rego-text.ts';
import { JsonSyntaxError, parseJson } from '../json/json-text.ts';
import { TemplateError } from './template-parse.ts';

/**
 * The Go values a template sees. OPA converts the variables with ast.As: the object's Rego text
 * decoded by encoding/json with UseNumber, so numbers are json.Number (a string type: `eq .n 5` is
 * a type error, `{{if .n}}` is true even for 0), arrays are []interface{}, objects
 * map[string]interface{}. Template literals add Go ints (int, int32 for 'c'), float64 and bytes.
 */

export class JsonNumber {
  constructor(readonly text: string) {}
}

export class GoInt {
  constructor(
    readonly value: bigint,
    readonly type: 'int' | 'int32' | 'uint8' = 'int',
  ) {}
}

export class GoFloat {
  constructor(readonly value: number) {}
}

export class GoMap {
  constructor(readonly entries: Map<string, GoValue>) {}
  sortedKeys(): string[] {
    return [...this.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** `undefined` is Go's invalid (missing) value; `null` a nil interface{} held by a map or slice. */
export type GoValue = undefined | null | string | boolean | JsonNumber | GoInt | GoFloat | GoValue[] | GoMap;

/** ast.As: what the variables object becomes in Go (and the decoder's error for sets, non-string keys). */
export function goValueOf(vars: RObject): GoValue {
  try {
    parseJson(regoText(vars));
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new TemplateError(error.message);
    throw error;
  }
  return convert(vars);
}

function convert(value: Value): GoValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new JsonNumber(numberKey(value));
  if (Array.isArray(value)) return value.map(convert);
  if (value instanceof RSet) return value.sorted().map(convert);
  return new GoMap(new Map([...value.entries()].map(([k, v]) => [k as string, convert(v)])));
}

/** Go's type name, as errors print it. */
export function goTypeName(value: GoValue): string {
  if (value === undefined || value === null) return 'interface {}';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof JsonNumber) return 'json.Number';
  if (value instanceof GoInt) return value.type;
  if (value instanceof GoFloat) return 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's kinds for comparison (text/template's basicKind). */
export function basicKind(value: GoValue): 'bool' | 'int' | 'uint' | 'float' | 'string' | 'other' | 'invalid' {
  if (value === undefined || value === null) return value === undefined ? 'invalid' : 'other';
  if (typeof value === 'string' || value instanceof JsonNumber) return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof GoInt) return value.type === 'uint8' ? 'uint' : 'int';
  if (value instanceof GoFloat) return 'float';
  return 'other';
}

export const stringOf = (value: string | JsonNumber): string => (typeof value === 'string' ? value : value.text);

/** text/template's isTrue. */
export function truth(value: GoValue): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof JsonNumber) return value.text.length > 0;
  if (typeof value === 'boolean') return value;
  if (value instanceof GoInt) return value.value !== 0n;
  if (value instanceof GoFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  return value.entries.size > 0;
}

/** strconv.FormatFloat(f, 'g', -1, 64), fmt's %v of a float64. */
function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const exponent = f === 0 ? 0 : Math.floor(Math.log10(Math.abs(f)));
  if (exponent < -4 || exponent >= 21) {
    const [mantissa, exp] = f.toExponential().split('e');
    const n = Number(exp);
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(f);
}

/** fmt's %v: strings raw, `[a b]`, `map[k:v]` (sorted keys), nil inside a collection as `<nil>`. */
export function formatValue(value: GoValue): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof GoInt) return value.value.toString();
  if (value instanceof GoFloat) return formatGoFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`;
  return `map[${value
    .sortedKeys()
    .map((k) => `${k}:${formatValue(value.entries.get(k))}`)
    .join(' ')}]`;
}
