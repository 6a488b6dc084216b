import type { Value } from '../value.ts';
import { integerArg, stringArg } from './args.ts';
import { globsIntersect } from './lib/regex/glob-intersect.ts';
import type { RE2JS } from 're2js';
import type { Re2Match } from './lib/go/re2.ts';
import { Re2Scanner, Re2SyntaxError, compileRe2, findAll, widthAt } from './lib/go/re2.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

/** OPA's regex.* built-ins over RE2 patterns (re2.ts: linear-time matching, Go's syntax and errors). */

function compile(name: string, pattern: string): RE2JS {
  try {
    return compileRe2(pattern);
  } catch (error) {
    if (error instanceof Re2SyntaxError) throw builtinError(name, error.message);
    throw error;
  }
}

function limitArg(name: string, args: Value[], position: number): number {
  const n = integerArg(name, args, position);
  return n < 0n ? -1 : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function match(args: Value[]): Value {
  const re = compile('regex.match', stringArg('regex.match', args, 1));
  return re.test(stringArg('regex.match', args, 2));
}

function isValid(args: Value[]): Value {
  const pattern = args[0];
  if (typeof pattern !== 'string') return false;
  try {
    compileRe2(pattern);
    return true;
  } catch (error) {
    if (error instanceof Re2SyntaxError) return false;
    throw error;
  }
}

/** Go's Regexp.Split(s, -1). */
function split(args: Value[]): Value {
  const pattern = stringArg('regex.split', args, 1);
  const re = compile('regex.split', pattern);
  const text = stringArg('regex.split', args, 2);
  if (text === '' && pattern !== '') return [''];
  const parts: Value[] = [];
  let begin = 0;
  let end = 0;
  for (const m of findAll(re, text, -1)) {
    end = m.start;
    if (m.end !== 0) parts.push(text.slice(begin, end));
    begin = m.end;
  }
  if (end !== text.length) parts.push(text.slice(begin));
  return parts;
}

function findN(args: Value[]): Value {
  const re = compile('regex.find_n', stringArg('regex.find_n', args, 1));
  const text = stringArg('regex.find_n', args, 2);
  return findAll(re, text, limitArg('regex.find_n', args, 3)).map((m) => m.group(0)!);
}

function findAllSubmatch(args: Value[]): Value {
  const name = 'regex.find_all_string_submatch_n';
  const re = compile(name, stringArg(name, args, 1));
  const text = stringArg(name, args, 2);
  return findAll(re, text, limitArg(name, args, 3)).map((m) => m.groups());
}

/** Go's Regexp.Expand template syntax: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, m: Re2Match): string {
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    return m.group(/^\d+$/.test(name) ? Number(name) : name) ?? '';
  });
}

/** Go's ReplaceAllString: no replacement for an empty match right after a previous match. */
function replace(args: Value[]): Value {
  const text = stringArg('regex.replace', args, 1);
  const re = compile('regex.replace', stringArg('regex.replace', args, 2));
  const template = stringArg('regex.replace', args, 3);
  const scanner = new Re2Scanner(re, text);
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= text.length) {
    const m = scanner.find(searchPos);
    if (m === undefined) break;
    out += text.slice(lastEnd, m.start);
    if (m.end > lastEnd || m.start === 0) out += expand(template, m);
    lastEnd = m.end;
    const width = widthAt(text, searchPos);
    searchPos = searchPos + width > m.end ? searchPos + width : m.end;
  }
  return out + text.slice(lastEnd);
}

/**
 * regex.template_match: text between the (single-character) delimiters is a pattern, the rest is
 * literal; the whole string must match. Delimiters nest and must balance.
 */
function templateMatch(args: Value[]): Value {
  const name = 'regex.template_match';
  const template = stringArg(name, args, 1);
  const text = stringArg(name, args, 2);
  const open = stringArg(name, args, 3);
  const close = stringArg(name, args, 4);
  if (open.length !== 1) throw builtinError(name, `start delimiter has to be exactly one character long but is ${open.length} long`);
  if (close.length !== 1) throw builtinError(name, `end delimiter has to be exactly one character long but is ${close.length} long`);
  let pattern = '^';
  let depth = 0;
  let literalStart = 0;
  let patternStart = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === open) {
      if (++depth === 1) patternStart = i;
    } else if (template[i] === close) {
      if (--depth === 0) {
        const part = template.slice(patternStart + 1, i);
        // Each part must be a valid pattern on its own, as OPA compiles it alone.
        compile(name, part);
        pattern += `${quoteMeta(template.slice(literalStart, patternStart))}(${part})`;
        literalStart = i + 1;
      } else if (depth < 0) break;
    }
  }
  if (depth !== 0) throw builtinError(name, `unbalanced braces in ${JSON.stringify(template)}`);
  return compile(name, `${pattern}${quoteMeta(template.slice(literalStart))}$`).test(text);
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function globsMatch(args: Value[]): Value {
  const name = 'regex.globs_match';
  try {
    return globsIntersect(stringArg(name, args, 1), stringArg(name, args, 2));
  } catch (error) {
    if (error instanceof Re2SyntaxError) throw builtinError(name, error.message);
    throw error;
  }
}

export const regexBuiltins: readonly Builtin[] = [
  { name: 'regex.match', arity: 2, impl: match },
  { name: 'regex.is_valid', arity: 1, impl: isValid },
  { name: 'regex.split', arity: 2, impl: split },
  { name: 'regex.find_n', arity: 3, impl: findN },
  { name: 'regex.find_all_string_submatch_n', arity: 3, impl: findAllSubmatch },
  { name: 'regex.replace', arity: 3, impl: replace },
  { name: 'regex.template_match', arity: 4, impl: templateMatch },
  { name: 'regex.globs_match', arity: 2, impl: globsMatch },
];
