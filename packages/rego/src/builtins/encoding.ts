import YAML from 'yaml';
import type { Value } from '../value.ts';
import { RObject, RSet, fromJson, isObject, isSet } from '../value.ts';
import { Base64Error, decodeBase64, decodeBase64Url, encodeBase64 } from './lib/go/base64.ts';
import { isValidJson, JsonSyntaxError, marshalJson, parseJson, type MarshalOptions } from './lib/json/json-text.ts';
import { objectArg, stringArg, stringsIn } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError, BuiltinError, operandError } from '../errors.ts';

/** OPA's encoding built-ins: base64, base64url, hex, urlquery, json and yaml. */

function base64Decoder(name: string, decode: (text: string) => Buffer): Builtin {
  return {
    name,
    arity: 1,
    impl: (args) => {
      try {
        return decode(stringArg(name, args, 1)).toString('utf8');
      } catch (error) {
        if (error instanceof Base64Error) throw builtinError(name, error.message);
        throw error;
      }
    },
  };
}

function encoder(name: string, encode: (text: string) => string): Builtin {
  return { name, arity: 1, impl: (args) => encode(stringArg(name, args, 1)) };
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

const base64: Builtin[] = [
  encoder('base64.encode', (text) => encodeBase64(utf8(text), 'std')),
  base64Decoder('base64.decode', (text) => decodeBase64(text, 'std')),
  {
    name: 'base64.is_valid',
    arity: 1,
    impl: (args) => {
      try {
        decodeBase64(stringArg('base64.is_valid', args, 1), 'std');
        return true;
      } catch (error) {
        if (error instanceof Base64Error) return false;
        throw error;
      }
    },
  },
  encoder('base64url.encode', (text) => encodeBase64(utf8(text), 'url')),
  encoder('base64url.encode_no_pad', (text) => encodeBase64(utf8(text), 'rawurl')),
  base64Decoder('base64url.decode', decodeBase64Url),
];

const hex: Builtin[] = [
  encoder('hex.encode', (text) => utf8(text).toString('hex')),
  {
    name: 'hex.decode',
    arity: 1,
    impl: (args) => {
      const text = stringArg('hex.decode', args, 1);
      const bad = [...utf8(text)].find((byte) => !/[0-9a-fA-F]/.test(String.fromCharCode(byte)));
      if (bad !== undefined) throw builtinError('hex.decode', `encoding/hex: invalid byte: ${goRuneText(bad)}`);
      if (text.length % 2 === 1) throw builtinError('hex.decode', 'encoding/hex: odd length hex string');
      return Buffer.from(text, 'hex').toString('utf8');
    },
  },
];

/** Go's %#U of a byte read as a rune: `U+0067 'g'`, without the character when not printable. */
function goRuneText(code: number): string {
  const hexCode = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const printable = code >= 0x20 && code !== 0x7f && (code < 0x80 || code >= 0xa0);
  return printable ? `${hexCode} '${String.fromCharCode(code)}'` : hexCode;
}

/** Go's url.QueryEscape: everything but unreserved characters is %XX, spaces become `+`. */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function queryUnescape(name: string, text: string): string {
  const bad = /%(?![0-9a-fA-F]{2})/.exec(text);
  if (bad) throw builtinError(name, `invalid URL escape "${text.slice(bad.index, bad.index + 3)}"`);
  // Escapes are bytes (any, not only valid UTF-8 sequences, unlike decodeURIComponent).
  const bytes = text.replace(/\+/g, ' ').split(/(%[0-9a-fA-F]{2})/).map((part) =>
    part.startsWith('%') ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part, 'utf8'),
  );
  return Buffer.concat(bytes).toString('utf8');
}

function encodeQueryObject(name: string, object: RObject): string {
  const pairs: [string, string][] = [];
  for (const [key, value] of object.entries()) {
    if (typeof key !== 'string') throw operandError(name, 1, 'object with string keys', object);
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : isSet(value) ? value.sorted() : undefined;
    if (!values) throw operandError(name, 1, 'object of strings, arrays of strings or sets of strings', value);
    for (const item of stringsIn(name, 1, values, value)) pairs.push([key, item]);
  }
  // url.Values.Encode sorts by key and keeps each key's values in order.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join('&');
}

/** Go's url.ParseQuery: `&`-separated pairs; a `;` separator is an error since Go 1.17. */
function decodeQueryObject(name: string, text: string): RObject {
  const grouped = new Map<string, string[]>();
  for (const part of text.split('&')) {
    if (part.includes(';')) throw builtinError(name, 'invalid semicolon separator in query');
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = queryUnescape(name, eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : queryUnescape(name, part.slice(eq + 1));
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  return RObject.fromEntries(grouped.entries());
}

const urlquery: Builtin[] = [
  encoder('urlquery.encode', queryEscape),
  { name: 'urlquery.decode', arity: 1, impl: (args) => queryUnescape('urlquery.decode', stringArg('urlquery.decode', args, 1)) },
  { name: 'urlquery.encode_object', arity: 1, impl: (args) => encodeQueryObject('urlquery.encode_object', objectArg('urlquery.encode_object', args, 1)) },
  {
    name: 'urlquery.decode_object',
    arity: 1,
    impl: (args) => decodeQueryObject('urlquery.decode_object', stringArg('urlquery.decode_object', args, 1)),
  },
];

const MARSHAL = 'json.marshal_with_options';

/** OPA: prefix/indent imply pretty printing unless `pretty` says otherwise. */
function marshalOptions(options: Value): MarshalOptions {
  if (!isObject(options)) throw operandError(MARSHAL, 2, 'object', options);
  let prefix = '';
  let indent = '\t';
  let implicit = false;
  let explicit: boolean | undefined;
  const operand2 = (message: string) => new BuiltinError('eval_type_error', `${MARSHAL}: operand 2 ${message}`);
  for (const [key, value] of options.entries()) {
    if (key === 'prefix' || key === 'indent') {
      if (typeof value !== 'string') throw operand2(`${key} must be a string`);
      if (key === 'prefix') prefix = value;
      else indent = value;
      implicit = true;
    } else if (key === 'pretty') {
      if (typeof value !== 'boolean') throw operand2('pretty must be a boolean');
      explicit = value;
    } else if (typeof key !== 'string') {
      throw operand2('must be an object with string keys');
    } else {
      throw operand2(`object contained unknown key ${JSON.stringify(key)}`);
    }
  }
  return (explicit ?? implicit) ? { indent: { prefix, indent } } : {};
}

function unmarshalJson(name: string, text: string): Value {
  try {
    return parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw builtinError(name, error.message);
    throw error;
  }
}

const json: Builtin[] = [
  { name: 'json.marshal', arity: 1, impl: ([value]) => marshalJson(value!) },
  { name: MARSHAL, arity: 2, impl: ([value, options]) => marshalJson(value!, marshalOptions(options!)) },
  { name: 'json.unmarshal', arity: 1, impl: (args) => unmarshalJson('json.unmarshal', stringArg('json.unmarshal', args, 1)) },
  // is_valid never fails: a non-string simply is not valid JSON text.
  { name: 'json.is_valid', arity: 1, impl: ([arg]) => typeof arg === 'string' && isValidJson(arg) },
];

/** YAML scalars that are integers beyond 2^53 stay exact, as in OPA (bigints only where needed). */
function fromYaml(node: unknown, ancestors: unknown[] = []): Value {
  if (typeof node === 'bigint') return Number.isSafeInteger(Number(node)) ? Number(node) : node;
  if (typeof node === 'number' && !Number.isFinite(node)) throw new YamlValueError(`json: unsupported value: ${node}`);
  if (node instanceof Uint8Array) return Buffer.from(node).toString('utf8');
  if (node instanceof Date) return node.toISOString();
  if (node === undefined) return null;
  if (typeof node !== 'object' || node === null) return fromJson(node);
  // An alias may refer to an enclosing node; such a document has no JSON value.
  if (ancestors.includes(node)) throw new YamlValueError('yaml: an alias refers to a node that contains it');
  const inner = [...ancestors, node];
  const child = (item: unknown) => fromYaml(item, inner);
  if (node instanceof Map) return RObject.fromEntries([...node].map(([k, v]) => [child(k), child(v)] as const));
  if (node instanceof Set) return RSet.of([...node].map(child));
  if (Array.isArray(node)) return node.map(child);
  return fromJson(node);
}

/** A document that parses but has no JSON value (cycles, infinities), as OPA's YAML-to-JSON step finds. */
class YamlValueError extends Error {
  override readonly name = 'YamlValueError';
}

/**
 * OPA reads YAML with go-yaml v2, i.e. YAML 1.1 scalars (`yes`/`on`/`y` are booleans, `0777` is
 * octal) but without 1.1's sexagesimal numbers and timestamps, which stay strings.
 */
const YAML_OPTIONS = {
  version: '1.1',
  uniqueKeys: false,
  customTags: (tags: YAML.Tags) =>
    tags.filter((tag) =>
      typeof tag === 'string'
        ? !['intTime', 'floatTime', 'timestamp'].includes(tag)
        : tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp',
    ),
} as const satisfies YAML.DocumentOptions & YAML.SchemaOptions & YAML.ParseOptions;

function parseYaml(name: string, text: string): Value {
  const document = YAML.parseDocument(text, { ...YAML_OPTIONS, intAsBigInt: true });
  if (document.errors.length > 0) throw builtinError(name, `yaml: ${document.errors[0]!.message.split('\n')[0]}`);
  let js: unknown;
  try {
    js = document.toJS({ mapAsMap: true });
  } catch (error) {
    // The yaml library refuses alias bombs (excessive alias counts) by throwing.
    throw builtinError(name, `yaml: ${(error as Error).message}`);
  }
  try {
    return fromYaml(js);
  } catch (error) {
    if (error instanceof YamlValueError) throw builtinError(name, error.message);
    throw error;
  }
}

/** Plain JS for YAML.stringify: objects with string keys (non-string keys as JSON text), sets as arrays. */
function toYamlInput(value: Value): unknown {
  if (Array.isArray(value)) return value.map(toYamlInput);
  if (isSet(value)) return value.sorted().map(toYamlInput);
  if (isObject(value)) {
    return Object.fromEntries(
      value.sortedEntries().map(([k, v]) => [typeof k === 'string' ? k : marshalJson(k), toYamlInput(v)]),
    );
  }
  return value;
}

const yaml: Builtin[] = [
  {
    name: 'yaml.marshal',
    arity: 1,
    // go-yaml (behind OPA's yaml.marshal) does not indent sequences inside mappings.
    impl: ([value]) => YAML.stringify(toYamlInput(value!), { ...YAML_OPTIONS, sortMapEntries: true, lineWidth: 0, indentSeq: false }),
  },
  { name: 'yaml.unmarshal', arity: 1, impl: (args) => parseYaml('yaml.unmarshal', stringArg('yaml.unmarshal', args, 1)) },
  {
    name: 'yaml.is_valid',
    arity: 1,
    impl: ([arg]) => typeof arg === 'string' && YAML.parseDocument(arg, YAML_OPTIONS).errors.length === 0,
  },
];

export const encodingBuiltins: Builtin[] = [...base64, ...hex, ...urlquery, ...json, ...yaml];
