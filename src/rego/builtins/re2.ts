/**
 * RE2 (Go regexp) syntax translated to a JS RegExp with the `u` flag, so that OPA's regex.*
 * built-ins accept and reject the same patterns and match the same strings:
 * - RE2-only syntax is rewritten: `(?P<name>`, `\A`, `\z`, `\Q...\E`, `\x{...}`, `\pL`,
 *   `[[:alpha:]]`, `\s` (ASCII only in RE2), octal escapes, leading `(?ims)` flags;
 * - JS-only syntax is refused as RE2 refuses it: look-around, back-references;
 * - characters that RE2 takes literally but `u`-mode JS does not (`]`, `{` that is not a
 *   repetition) are escaped.
 * Matching is JS's backtracking engine, leftmost-first like Go's (not RE2's linear-time
 * guarantee: a pathological pattern can be slow). Compiled patterns are cached per source text.
 */

export class Re2SyntaxError extends Error {
  override readonly name = 'Re2SyntaxError';
}

const CACHE_LIMIT = 1000;
const cache = new Map<string, RegExp | Re2SyntaxError>();

/** A global (`g`) RegExp for an RE2 pattern; callers set lastIndex before each use. */
export function compileRe2(pattern: string): RegExp {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    try {
      const { source, flags } = translate(pattern);
      compiled = new RegExp(source, `gu${flags}`);
    } catch (error) {
      compiled = error instanceof Re2SyntaxError ? error : new Re2SyntaxError(`error parsing regexp: ${(error as Error).message}`);
    }
    // A plain bound on memory: policies use a handful of patterns, inputs may bring many.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
  }
  if (compiled instanceof Re2SyntaxError) throw compiled;
  return compiled;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Unicode general categories; any other \p name is a script. */
const CATEGORY = /^(?:L[lmotu]?|M[cen]?|N[dlo]?|P[cdefios]?|S[ckmo]?|Z[lps]?|C[cfnos]?|Any)$/;

const RE2_SPACE = '\\t\\n\\f\\r ';

function fail(message: string, pattern: string): never {
  throw new Re2SyntaxError(`error parsing regexp: ${message}: \`${pattern}\``);
}

/** A code point as it may appear anywhere in a u-mode JS pattern, in or out of a class. */
function literal(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (/[0-9A-Za-z_ ]/.test(ch) || cp > 0x7f) return ch;
  return `\\u{${cp.toString(16)}}`;
}

class Translator {
  private pos = 0;
  private out = '';
  flags = '';

  constructor(private readonly pattern: string) {}

  private peek(offset = 0): string | undefined {
    return this.pattern[this.pos + offset];
  }

  run(): string {
    const leading = /^\(\?([imsU]+)\)/.exec(this.pattern);
    if (leading) {
      if (leading[1]!.includes('U')) fail('ungreedy mode is not supported', this.pattern);
      this.flags = [...new Set(leading[1]!)].join('');
      this.pos = leading[0].length;
    }
    while (this.pos < this.pattern.length) this.term();
    return this.out;
  }

  private term(): void {
    const ch = this.peek()!;
    switch (ch) {
      case '\\':
        this.out += this.escape(false);
        return;
      case '[':
        this.out += this.charClass();
        return;
      case '(':
        this.group();
        return;
      case '{': {
        const repeat = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.pos));
        if (repeat) {
          if (Number(repeat[1]) > 1000 || (repeat[3] && Number(repeat[3]) > 1000)) fail('invalid repeat count', repeat[0]);
          this.out += repeat[0];
          this.pos += repeat[0].length;
        } else {
          this.out += '\\{';
          this.pos++;
        }
        return;
      }
      case '}':
      case ']':
      case '/':
        this.out += `\\${ch}`;
        this.pos++;
        return;
      default: {
        const cp = this.pattern.codePointAt(this.pos)!;
        this.out += ch;
        if (cp > 0xffff) this.out += this.pattern[this.pos + 1];
        this.pos += cp > 0xffff ? 2 : 1;
      }
    }
  }

  private group(): void {
    const rest = this.pattern.slice(this.pos);
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest);
    if (named) {
      this.out += `(?<${named[1]}>`;
      this.pos += named[0].length;
    } else if (rest.startsWith('(?:')) {
      this.out += '(?:';
      this.pos += 3;
    } else if (rest.startsWith('(?')) {
      fail('invalid or unsupported Perl syntax', rest.slice(0, 3));
    } else {
      this.out += '(';
      this.pos++;
    }
  }

  /** An escape at pos (the backslash); inClass changes what class shorthands become. */
  private escape(inClass: boolean): string {
    const next = this.peek(1);
    if (next === undefined) fail('trailing backslash at end of expression', '');
    this.pos += 2;
    switch (next) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 't':
      case 'n':
      case 'r':
      case 'f':
      case 'v':
        return `\\${next}`;
      case 'b':
      case 'B':
        if (inClass) fail('invalid escape sequence', `\\${next}`);
        return `\\${next}`;
      case 's':
        return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
      case 'S':
        if (inClass) fail('invalid escape sequence', '\\S');
        return `[^${RE2_SPACE}]`;
      case 'a':
        return '\\x07';
      case 'A':
        return '(?<![\\s\\S])';
      case 'z':
        return '(?![\\s\\S])';
      case 'x':
        return literal(this.hexEscape());
      case 'p':
      case 'P':
        return this.unicodeClass(next);
      case 'Q': {
        const end = this.pattern.indexOf('\\E', this.pos);
        const text = this.pattern.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.pattern.length : end + 2;
        return Array.from(text, (c) => literal(c.codePointAt(0)!)).join('');
      }
      default: {
        const octal = /^[0-7]{1,3}/.exec(this.pattern.slice(this.pos - 1));
        if (octal && (next === '0' || octal[0].length > 1)) {
          this.pos += octal[0].length - 1;
          return literal(parseInt(octal[0], 8));
        }
        // RE2 allows escaping punctuation only: letters and digits are errors (no back-references).
        if (/[\p{L}\p{N}]/u.test(next)) fail('invalid escape sequence', `\\${next}`);
        return literal(next.codePointAt(0)!);
      }
    }
  }

  private hexEscape(): number {
    if (this.peek() === '{') {
      const end = this.pattern.indexOf('}', this.pos);
      const digits = end < 0 ? '' : this.pattern.slice(this.pos + 1, end);
      if (!/^[0-9A-Fa-f]{1,6}$/.test(digits) || parseInt(digits, 16) > 0x10ffff) fail('invalid escape sequence', '\\x{');
      this.pos = end + 1;
      return parseInt(digits, 16);
    }
    const digits = this.pattern.slice(this.pos, this.pos + 2);
    if (!/^[0-9A-Fa-f]{2}$/.test(digits)) fail('invalid escape sequence', `\\x${digits}`);
    this.pos += 2;
    return parseInt(digits, 16);
  }

  private unicodeClass(letter: 'p' | 'P'): string {
    let name: string;
    if (this.peek() === '{') {
      const end = this.pattern.indexOf('}', this.pos);
      if (end < 0) fail('invalid character class range', `\\${letter}{`);
      name = this.pattern.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = this.peek() ?? '';
      this.pos++;
    }
    let negate = letter === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) fail('invalid character class range', `\\${letter}{${name}}`);
    const property = name === 'Any' ? 'Any' : CATEGORY.test(name) ? name : `Script=${name}`;
    return `\\${negate ? 'P' : 'p'}{${property}}`;
  }

  private charClass(): string {
    const start = this.pos;
    this.pos++;
    let out = '[';
    if (this.peek() === '^') {
      out += '^';
      this.pos++;
    }
    let first = true;
    while (this.pos < this.pattern.length && (this.peek() !== ']' || first)) {
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.pattern.slice(this.pos));
      if (posix) {
        const ranges = Object.hasOwn(POSIX_CLASSES, posix[2]!) ? POSIX_CLASSES[posix[2]!] : undefined;
        if (ranges === undefined) fail('invalid character class range', posix[0]);
        // A negated POSIX class inside a class has no JS spelling without the v flag.
        if (posix[1]) fail('negated POSIX class inside a class is not supported', posix[0]);
        out += ranges;
        this.pos += posix[0].length;
        continue;
      }
      const low = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const high = this.classAtom();
        out += `${low}-${high}`;
      } else {
        out += low;
      }
    }
    if (this.pos >= this.pattern.length) fail('missing closing ]', this.pattern.slice(start));
    this.pos++;
    return `${out}]`;
  }

  private classAtom(): string {
    if (this.peek() === '\\') return this.escape(true);
    const cp = this.pattern.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return literal(cp);
  }
}

function translate(pattern: string): { source: string; flags: string } {
  const translator = new Translator(pattern);
  const source = translator.run();
  return { source, flags: translator.flags };
}

/**
 * Go's FindAll iteration: at most `limit` matches (negative: all); an empty match right after the
 * previous match is skipped, and the search always advances by at least one code point.
 */
export function findAll(re: RegExp, text: string, limit: number): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((limit < 0 || matches.length < limit) && pos <= text.length) {
    re.lastIndex = pos;
    const match = re.exec(text);
    if (match === null) break;
    const end = match.index + match[0].length;
    let accept = true;
    if (end === pos) {
      if (match.index === prevEnd) accept = false;
      pos += pos < text.length ? (text.codePointAt(pos)! > 0xffff ? 2 : 1) : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) matches.push(match);
  }
  return matches;
}
