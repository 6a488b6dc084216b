import { RE2JS, RE2JSException } from 're2js';

/**
 * Regular expressions for OPA's regex.* built-ins run on re2js, a JS port of RE2: the same syntax,
 * the same error messages (`error parsing regexp: missing closing ]: ...`) and the same
 * linear-time guarantee as Go's regexp, which OPA uses. V8's backtracking engine would let a
 * policy pattern over request input take exponential time (ReDoS), and a single RegExp call cannot
 * be interrupted by the evaluation budget. Compiled patterns are cached by source text.
 */

export class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError';
}

/** A bound on memory: policies use a handful of patterns, inputs may bring many. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, RE2JS | Re2SyntaxError>();

export function compileRe2(pattern: string): RE2JS {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = RE2JS.compile(pattern);
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      compiled = new Re2SyntaxError(error.message);
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
  }
  if (compiled instanceof Re2SyntaxError) throw compiled;
  return compiled;
}

/** One match: UTF-16 offsets into the input, and a reader for its groups. */
export interface Re2Match {
  readonly start: number;
  readonly end: number;
  /** Group i's text, undefined when the group did not take part. */
  group(index: number | string): string | undefined;
  /** Group 0 and every numbered group. */
  groups(): string[];
}

/** Scans `text` for successive matches, each search starting at a given offset. */
export class Re2Scanner {
  private readonly matcher;

  constructor(
    private readonly re: RE2JS,
    text: string,
  ) {
    this.matcher = re.matcher(text);
  }

  /** The leftmost match starting at or after `from` (anchors still refer to the whole input). */
  find(from: number): Re2Match | undefined {
    const m = this.matcher;
    if (!m.find(from)) return undefined;
    const count = this.re.groupCount();
    const texts = Array.from({ length: count + 1 }, (_, i) => m.group(i) ?? undefined);
    const named = this.re.namedGroups();
    return {
      start: m.start(),
      end: m.end(),
      group: (index) => (typeof index === 'number' ? texts[index] : Object.hasOwn(named, index) ? texts[named[index]!] : undefined),
      groups: () => texts.map((text) => text ?? ''),
    };
  }
}

/** Width in UTF-16 units of the code point at `pos` (1 past the end, so loops advance). */
export function widthAt(text: string, pos: number): number {
  return pos < text.length && text.codePointAt(pos)! > 0xffff ? 2 : 1;
}

/**
 * Go's FindAll iteration: at most `limit` matches (negative: all); an empty match right after the
 * previous match is skipped, and the search always advances by at least one code point.
 */
export function findAll(re: RE2JS, text: string, limit: number): Re2Match[] {
  const scanner = new Re2Scanner(re, text);
  const matches: Re2Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((limit < 0 || matches.length < limit) && pos <= text.length) {
    const match = scanner.find(pos);
    if (match === undefined) break;
    let accept = true;
    if (match.end === pos) {
      if (match.start === prevEnd) accept = false;
      pos += widthAt(text, pos);
    } else {
      pos = match.end;
    }
    prevEnd = match.end;
    if (accept) matches.push(match);
  }
  return matches;
}
