import type { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import { stringArg, stringsIn } from './args.ts';
import { Re2SyntaxError, compileRe2 } from './lib/go/re2.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError, operandError } from '../errors.ts';

/**
 * glob.match with the syntax of gobwas/glob, which OPA uses: `*` any run of non-delimiter
 * characters, `**` any run at all, `?` one non-delimiter character, `[abc]` `[a-z]` `[!a-z]`
 * character lists, `{a,b}` alternatives (nestable), `\` escapes. Patterns compile once into an
 * anchored RE2 expression (linear-time matching, see re2.ts), cached by pattern and delimiters.
 */

const CACHE_LIMIT = 1000;
const cache = new Map<string, RE2JS>();

/** A code point written so that RE2 reads it literally, in a class or not. */
function classChar(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

class GlobSyntaxError extends Error {}

function compileGlob(pattern: string, delimiters: readonly number[]): RE2JS {
  const key = `${delimiters.join(',')}:${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = compileRe2(`^${translate(pattern, delimiters)}$`);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/**
 * A `[...]` list from `start` (just after `[`), as gobwas reads it: optional `!`, then either one
 * range `lo-hi` or a list of characters (with `\` escapes) up to `]`. Returns the RE2 class and
 * the index of the closing `]`.
 */
function readList(runes: readonly number[], start: number): [string, number] {
  let i = start;
  const negate = runes[i] === 0x21;
  if (negate) i++;
  let set = '';
  if (i < runes.length && runes[i + 1] === 0x2d) {
    const lo = runes[i]!;
    const hi = runes[i + 2];
    if (hi === undefined) throw new GlobSyntaxError('unexpected end of input');
    if (runes[i + 3] !== 0x5d) throw new GlobSyntaxError('expected close range character');
    if (hi < lo) throw new GlobSyntaxError('hi character should be greater than lo character');
    set = `${classChar(lo)}-${classChar(hi)}`;
    i += 3;
  } else {
    for (; i < runes.length && runes[i] !== 0x5d; i++) {
      if (runes[i] === 0x5c) i++;
      if (i < runes.length) set += classChar(runes[i]!);
    }
    if (i >= runes.length) throw new GlobSyntaxError('unexpected end of input');
  }
  // An empty list matches nothing; RE2 has no `[]`, so it is the complement of everything.
  if (set === '') return [negate ? '(?s:.)' : '[^\\x{0}-\\x{10ffff}]', i];
  return [negate ? `[^${set}]` : `[${set}]`, i];
}

function translate(pattern: string, delimiters: readonly number[]): string {
  const runes = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  const notDelimiter = delimiters.length === 0 ? '(?s:.)' : `[^${delimiters.map(classChar).join('')}]`;
  let out = '';
  let depth = 0;
  for (let i = 0; i < runes.length; i++) {
    const ch = String.fromCodePoint(runes[i]!);
    switch (ch) {
      case '*':
        if (runes[i + 1] === 0x2a) {
          out += '(?s:.)*';
          i++;
        } else {
          out += `${notDelimiter}*`;
        }
        break;
      case '?':
        out += notDelimiter;
        break;
      case '\\':
        if (i + 1 >= runes.length) throw new GlobSyntaxError('unexpected end of input after escape');
        out += classChar(runes[++i]!);
        break;
      case '[': {
        const [set, next] = readList(runes, i + 1);
        out += set;
        i = next;
        break;
      }
      case '{':
        depth++;
        out += '(?:';
        break;
      // Outside `{...}`, `}` and `,` are plain text.
      case '}':
        if (depth === 0) out += classChar(runes[i]!);
        else {
          depth--;
          out += ')';
        }
        break;
      case ',':
        out += depth > 0 ? '|' : classChar(runes[i]!);
        break;
      default:
        out += /[\p{L}\p{N}_ ]/u.test(ch) ? ch : classChar(runes[i]!);
    }
  }
  if (depth > 0) throw new GlobSyntaxError('unexpected end of input');
  return out;
}

function delimitersArg(args: Value[]): number[] {
  const value = args[1]!;
  if (value === null) return [];
  if (!Array.isArray(value)) throw operandError('glob.match', 2, 'one of {array, null}', value);
  const delimiters = stringsIn('glob.match', 2, value, value);
  // An empty list means the default delimiter, ".".
  if (delimiters.length === 0) return [0x2e];
  return delimiters.map((d) => {
    const runes = Array.from(d);
    if (runes.length !== 1) throw new BuiltinError('eval_type_error', 'glob.match: operand 2 must be array of runes but got array containing string');
    return runes[0]!.codePointAt(0)!;
  });
}

/** No `* ? [ ] { } \\`: the pattern matches exactly its own text. */
const LITERAL = /^[^*?[\]{}\\]*$/;

function match(args: Value[]): Value {
  const pattern = stringArg('glob.match', args, 1);
  const delimiters = delimitersArg(args);
  const text = stringArg('glob.match', args, 3);
  // Most policy globs are plain names ("db", "get_sales"): equality, without building the cache key.
  if (LITERAL.test(pattern)) return pattern === text;
  let re: RE2JS;
  try {
    re = compileGlob(pattern, delimiters);
  } catch (error) {
    if (error instanceof GlobSyntaxError || error instanceof Re2SyntaxError) throw builtinError('glob.match', error.message);
    throw error;
  }
  return re.test(text);
}

/** gobwas/glob's QuoteMeta: escapes `* ? \ [ ] { }`. */
function quoteMeta(args: Value[]): Value {
  return stringArg('glob.quote_meta', args, 1).replace(/[*?\\[\]{}]/g, '\\$&');
}

export const globBuiltins: readonly Builtin[] = [
  { name: 'glob.match', arity: 3, impl: match },
  { name: 'glob.quote_meta', arity: 1, impl: quoteMeta },
];
