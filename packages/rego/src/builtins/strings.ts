import type { Value } from '../value.ts';
import { RSet, compare } from '../value.ts';
import { arrayArg, collectionArg, integerArg, numberArg, objectArg, runesOf, stringArg, stringsIn } from './args.ts';
import { goSprintf } from './lib/go/fmt.ts';
import { TemplateError, renderTemplate } from './lib/go/template.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError } from '../errors.ts';

/** OPA's string built-ins. Indexes and lengths count code points, as Go's runes do. */

/**
 * Go's unicode.IsSpace set, which strings.TrimSpace uses (JS's trim also strips U+FEFF). All are
 * in the BMP. Trimming loops over it: a `\s+$` regex would be quadratic on inner runs of spaces.
 */
const GO_SPACES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);
for (let cp = 0x2000; cp <= 0x200a; cp++) GO_SPACES.add(cp);

function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && GO_SPACES.has(text.charCodeAt(start))) start++;
  while (end > start && GO_SPACES.has(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function trimLeftSet(text: string, cutset: string): string {
  const cut = new Set(runesOf(cutset));
  const runes = runesOf(text);
  let start = 0;
  while (start < runes.length && cut.has(runes[start]!)) start++;
  return runes.slice(start).join('');
}

function trimRightSet(text: string, cutset: string): string {
  const cut = new Set(runesOf(cutset));
  const runes = runesOf(text);
  let end = runes.length;
  while (end > 0 && cut.has(runes[end - 1]!)) end--;
  return runes.slice(0, end).join('');
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Go maps case one code point at a time (Unicode simple case mapping): `ß` stays `ß` in upper
 * case and a final `Σ` lowers to `σ`, where JS's full mapping gives `SS` and `ς`. So non-ASCII
 * text is mapped per code point, keeping a character whose JS mapping is not a single one.
 */
function goCase(text: string, upper: boolean): string {
  if (ASCII.test(text)) return upper ? text.toUpperCase() : text.toLowerCase();
  let out = '';
  for (const ch of text) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    // U+0130 (İ) lowers to i plus a combining dot in JS; its simple mapping is plain i.
    out += mapped.length === ch.length || Array.from(mapped).length === 1 ? mapped : ch === '\u0130' ? 'i' : ch;
  }
  return out;
}

/** Go's strings.Split: an empty separator splits into code points. */
function split(text: string, separator: string): string[] {
  return separator === '' ? runesOf(text) : text.split(separator);
}

/** Code-point index of the first occurrence, or -1. */
function runeIndexOf(text: string, search: string): number {
  const unit = text.indexOf(search);
  return unit < 0 ? -1 : runesOf(text.slice(0, unit)).length;
}

function formatInt(args: Value[]): Value {
  const number = numberArg('format_int', args, 1);
  const base = numberArg('format_int', args, 2);
  if (base !== 2 && base !== 8 && base !== 10 && base !== 16) {
    throw new BuiltinError('eval_type_error', 'format_int: operand 2 must be one of {2, 8, 10, 16}');
  }
  // OPA truncates decimals toward zero before formatting.
  const integer = typeof number === 'bigint' ? number : BigInt(Math.trunc(number));
  return integer.toString(base);
}

/** Go's strings.NewReplacer: at each position the first pattern (in key order) that matches wins. */
function replaceN(args: Value[]): Value {
  const patterns = objectArg('strings.replace_n', args, 1);
  const text = stringArg('strings.replace_n', args, 2);
  const pairs: [string, string][] = [];
  for (const [key, value] of patterns.sortedEntries()) {
    if (typeof key !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string key found in pattern object');
    if (typeof value !== 'string') throw new BuiltinError('eval_type_error', 'strings.replace_n: operand 1 non-string value found in pattern object');
    pairs.push([key, value]);
  }
  let out = '';
  let i = 0;
  while (i <= text.length) {
    const pair = pairs.find(([old]) => text.startsWith(old, i));
    if (pair !== undefined) out += pair[1];
    if (pair !== undefined && pair[0] !== '') {
      i += pair[0].length;
      continue;
    }
    if (i === text.length) break;
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out += ch;
    i += ch.length;
  }
  return out;
}

function replaceAll(text: string, old: string, replacement: string): string {
  if (old !== '') return text.split(old).join(replacement);
  // Go inserts the replacement before every code point and at the end.
  return replacement + runesOf(text).map((ch) => ch + replacement).join('');
}

function substring(args: Value[]): Value {
  const runes = runesOf(stringArg('substring', args, 1));
  const offset = integerArg('substring', args, 2);
  const length = integerArg('substring', args, 3);
  if (offset < 0n) throw builtinError('substring', 'negative offset');
  if (offset >= BigInt(runes.length)) return '';
  const start = Number(offset);
  const end = length < 0n || offset + length > BigInt(runes.length) ? runes.length : start + Number(length);
  return runes.slice(start, end).join('');
}

/** strings.split_n: the first n parts, or the last -n parts for negative n. */
function splitN(args: Value[]): Value {
  const parts = split(stringArg('strings.split_n', args, 1), stringArg('strings.split_n', args, 2));
  const n = integerArg('strings.split_n', args, 3);
  if (n >= 0n) return parts.slice(0, Number(n < BigInt(parts.length) ? n : BigInt(parts.length)));
  const count = -n < BigInt(parts.length) ? Number(-n) : parts.length;
  return parts.slice(parts.length - count);
}

function count(text: string, search: string): number {
  if (search === '') return runesOf(text).length + 1;
  return text.split(search).length - 1;
}

function sprintf(args: Value[]): Value {
  const format = stringArg('sprintf', args, 1);
  return goSprintf(format, arrayArg('sprintf', args, 2));
}

/** A string or a collection of strings (any_prefix_match and any_suffix_match accept either). */
function stringsOperand(name: string, args: Value[], position: number): string[] {
  const value = args[position - 1]!;
  if (typeof value === 'string') return [value];
  const members = collectionArg(name, args, position, 'one of {string, set, array}');
  return stringsIn(name, position, members, value);
}

function anyMatch(name: string, test: (search: string, base: string) => boolean): Builtin {
  return {
    name,
    arity: 2,
    impl: (args) => {
      const searches = stringsOperand(name, args, 1);
      const bases = stringsOperand(name, args, 2);
      return searches.some((search) => bases.some((base) => test(search, base)));
    },
  };
}

function unary(name: string, f: (text: string) => Value, errorName = name): Builtin {
  return { name, arity: 1, impl: (args) => f(stringArg(errorName, args, 1)) };
}

function binary(name: string, f: (a: string, b: string) => Value): Builtin {
  return { name, arity: 2, impl: (args) => f(stringArg(name, args, 1), stringArg(name, args, 2)) };
}

function concat(args: Value[]): Value {
  const delimiter = stringArg('concat', args, 1);
  const collection = args[1]!;
  const members = collectionArg('concat', args, 2, 'one of {set, array}');
  // Sets join in canonical order, as OPA iterates them.
  const ordered = collection instanceof RSet ? members.slice().sort(compare) : members;
  return stringsIn('concat', 2, ordered, collection).join(delimiter);
}

function render(args: Value[]): Value {
  const template = stringArg('strings.render_template', args, 1);
  const vars = objectArg('strings.render_template', args, 2);
  try {
    return renderTemplate(template, vars);
  } catch (error) {
    if (error instanceof TemplateError) throw builtinError('strings.render_template', error.message);
    throw error;
  }
}

function nonEmptySearch(name: string, needle: string): string {
  if (needle === '') throw builtinError(name, 'empty search character');
  return needle;
}

/** Code-point offsets of every (overlapping) occurrence, counted incrementally: linear time. */
function indexOfN(haystack: string, needle: string): Value {
  const indexes: Value[] = [];
  let runes = 0;
  let counted = 0;
  for (let unit = haystack.indexOf(needle); unit >= 0; unit = haystack.indexOf(needle, unit + 1)) {
    for (; counted < unit; counted++) {
      const code = haystack.charCodeAt(counted);
      // A low surrogate continues the code point its high surrogate started.
      if (code < 0xdc00 || code > 0xdfff) runes++;
    }
    indexes.push(runes);
  }
  return indexes;
}

export const stringBuiltins: readonly Builtin[] = [
  { name: 'concat', arity: 2, impl: concat },
  binary('contains', (text, search) => text.includes(search)),
  binary('startswith', (text, prefix) => text.startsWith(prefix)),
  binary('endswith', (text, suffix) => text.endsWith(suffix)),
  { name: 'format_int', arity: 2, impl: formatInt },
  binary('indexof', (haystack, needle) => runeIndexOf(haystack, nonEmptySearch('indexof', needle))),
  binary('indexof_n', (haystack, needle) => indexOfN(haystack, nonEmptySearch('indexof_n', needle))),
  unary('lower', (text) => goCase(text, false)),
  unary('upper', (text) => goCase(text, true)),
  {
    name: 'replace',
    arity: 3,
    impl: (args) => replaceAll(stringArg('replace', args, 1), stringArg('replace', args, 2), stringArg('replace', args, 3)),
  },
  { name: 'strings.replace_n', arity: 2, impl: replaceN },
  binary('split', split),
  { name: 'strings.split_n', arity: 3, impl: splitN },
  { name: 'sprintf', arity: 2, impl: sprintf },
  { name: 'substring', arity: 3, impl: substring },
  binary('trim', (text, cutset) => trimRightSet(trimLeftSet(text, cutset), cutset)),
  binary('trim_left', trimLeftSet),
  binary('trim_right', trimRightSet),
  binary('trim_prefix', (text, prefix) => (text.startsWith(prefix) ? text.slice(prefix.length) : text)),
  binary('trim_suffix', (text, suffix) => (suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text)),
  unary('trim_space', trimSpace),
  // OPA names this one `reverse` in its errors.
  unary('strings.reverse', (text) => runesOf(text).reverse().join(''), 'reverse'),
  // True when any string of the first operand starts (ends) with any string of the second.
  anyMatch('strings.any_prefix_match', (search, prefix) => search.startsWith(prefix)),
  anyMatch('strings.any_suffix_match', (search, suffix) => search.endsWith(suffix)),
  binary('strings.count', count),
  { name: 'strings.render_template', arity: 2, impl: render },
];
