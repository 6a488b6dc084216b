import { goSprintf } from './fmt.ts';
import type { GoValue } from './template-values.ts';
import { GoFloat, GoInt, GoMap, JsonNumber, basicKind, formatValue, goTypeName, stringOf, truth } from './template-values.ts';

/**
 * text/template's predefined functions (text/template/funcs.go), each throwing FuncError with
 * Go's message; the executor reports it as `error calling NAME: MESSAGE`. and/or are evaluated
 * by the executor (they short-circuit).
 */

export class FuncError extends Error {
  override readonly name = 'FuncError';
}

/** Minimum and maximum number of arguments (Infinity: variadic), as Go's signatures declare. */
export const ARITY: Record<string, [number, number]> = {
  and: [1, Infinity],
  or: [1, Infinity],
  not: [1, 1],
  len: [1, 1],
  index: [1, Infinity],
  slice: [1, Infinity],
  print: [0, Infinity],
  printf: [1, Infinity],
  println: [0, Infinity],
  html: [0, Infinity],
  js: [0, Infinity],
  urlquery: [0, Infinity],
  eq: [1, Infinity],
  ne: [2, 2],
  lt: [2, 2],
  le: [2, 2],
  gt: [2, 2],
  ge: [2, 2],
  call: [1, Infinity],
};

function indexArg(index: GoValue, cap: number): number {
  if (index instanceof GoInt) {
    const x = index.value;
    if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
    return Number(x);
  }
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  throw new FuncError(`cannot index slice/array with type ${goTypeName(index)}`);
}

function index([item, ...indexes]: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  let current: GoValue = item;
  for (const i of indexes) {
    if (current === null) throw new FuncError('index of nil pointer');
    if (Array.isArray(current) || typeof current === 'string' || current instanceof JsonNumber) {
      const length = Array.isArray(current) ? current.length : Buffer.byteLength(stringOf(current));
      const x = indexArg(i, length);
      if (x >= length) throw new FuncError(`index out of range: ${x}`);
      current = Array.isArray(current) ? current[x] : new GoInt(BigInt(Buffer.from(stringOf(current))[x]!), 'uint8');
    } else if (current instanceof GoMap) {
      if (typeof i !== 'string') {
        if (i === undefined || i === null) throw new FuncError('value is nil; should be of type string');
        throw new FuncError(`value has type ${goTypeName(i)}; should be string`);
      }
      current = current.entries.get(i);
    } else throw new FuncError(`can't index item of type ${goTypeName(current)}`);
  }
  return current;
}

function slice([item, ...indexes]: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const isString = typeof item === 'string' || item instanceof JsonNumber;
  if (!isString && !Array.isArray(item)) throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  if (isString && indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
  const bytes = isString ? Buffer.from(stringOf(item as string | JsonNumber)) : undefined;
  const cap = bytes ? bytes.length : (item as GoValue[]).length;
  const idx = [0, cap, cap];
  indexes.forEach((i, n) => (idx[n] = indexArg(i, cap)));
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return bytes ? bytes.subarray(idx[0], idx[1]).toString() : (item as GoValue[]).slice(idx[0], idx[1]);
}

function length([item]: GoValue[]): GoValue {
  if (item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string' || item instanceof JsonNumber) return new GoInt(BigInt(Buffer.byteLength(stringOf(item))));
  if (Array.isArray(item)) return new GoInt(BigInt(item.length));
  if (item instanceof GoMap) return new GoInt(BigInt(item.entries.size));
  if (item === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  throw new FuncError(`len of type ${goTypeName(item)}`);
}

/** fmt.Sprint: operands formatted with %v, a space between two operands when neither is a string. */
function sprint(args: GoValue[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg);
  });
  return out;
}

/** printf through the fmt port: numbers as Go ints and floats, collections as their %v text. */
function printf([format, ...args]: GoValue[]): string {
  if (typeof format !== 'string') throw new FuncError(`wrong type for value; expected string; got ${goTypeName(format)}`);
  return goSprintf(
    format,
    args.map((a) => (a instanceof GoInt ? a.value : a instanceof GoFloat ? a.value : typeof a === 'string' ? a : a instanceof JsonNumber ? a.text : formatValue(a))),
  );
}

/** evalArgs: one string argument as it is, anything else through fmt.Sprint. */
const argsText = (args: GoValue[]): string => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

function html(args: GoValue[]): string {
  return argsText(args).replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function js(args: GoValue[]): string {
  let out = '';
  for (const c of argsText(args)) {
    const code = c.codePointAt(0)!;
    if (c === '\\' || c === "'" || c === '"') out += `\\${c}`;
    else if (c === '<' || c === '>' || c === '&' || c === '=') out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

function urlquery(args: GoValue[]): string {
  return encodeURIComponent(argsText(args))
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function equal(a: GoValue, b: GoValue): boolean {
  const [ka, kb] = [basicKind(a), basicKind(b)];
  if (ka !== kb) {
    if ((ka === 'int' && kb === 'uint') || (ka === 'uint' && kb === 'int')) return (a as GoInt).value === (b as GoInt).value;
    if (a !== undefined && b !== undefined) throw new FuncError('incompatible types for comparison');
    return false;
  }
  switch (ka) {
    case 'bool':
      return a === b;
    case 'int':
    case 'uint':
      return (a as GoInt).value === (b as GoInt).value;
    case 'float':
      return (a as GoFloat).value === (b as GoFloat).value;
    case 'string':
      return stringOf(a as string) === stringOf(b as string);
    case 'invalid':
      return true;
    default:
      if (a === null || b === null) return a === b;
      throw new FuncError(`non-comparable type ${formatValue(a)}: ${goTypeName(a)}`);
  }
}

function eq([a, ...rest]: GoValue[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  return rest.some((b) => equal(a, b));
}

function less(a: GoValue, b: GoValue): boolean {
  const [ka, kb] = [basicKind(a), basicKind(b)];
  if (ka !== kb) {
    if ((ka === 'int' || ka === 'uint') && (kb === 'int' || kb === 'uint')) return (a as GoInt).value < (b as GoInt).value;
    throw new FuncError('incompatible types for comparison');
  }
  switch (ka) {
    case 'int':
    case 'uint':
      return (a as GoInt).value < (b as GoInt).value;
    case 'float':
      return (a as GoFloat).value < (b as GoFloat).value;
    case 'string':
      return stringOf(a as string) < stringOf(b as string);
    default:
      throw new FuncError('invalid type for comparison');
  }
}

export const FUNCS: Record<string, (args: GoValue[]) => GoValue> = {
  not: ([a]) => !truth(a),
  len: length,
  index,
  slice,
  print: sprint,
  printf,
  println: (args) => `${args.map(formatValue).join(' ')}\n`,
  html,
  js,
  urlquery,
  eq,
  ne: ([a, b]) => !equal(a, b),
  lt: ([a, b]) => less(a, b),
  le: ([a, b]) => less(a, b) || equal(a, b),
  gt: ([a, b]) => !less(a, b) && !equal(a, b),
  ge: ([a, b]) => !less(a, b),
  call: ([fn]) => {
    throw new FuncError(fn === undefined || fn === null ? 'call of nil' : `non-function ${formatValue(fn)} of type ${goTypeName(fn)}`);
  },
};
