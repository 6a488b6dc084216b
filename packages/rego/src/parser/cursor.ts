/** Token cursor shared by the parser files: lookahead, expectations and positioned parse errors. */
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import type { Token } from './lexer.ts';

/** Words that cannot be variables in Rego v1 (they may still follow a `.` in a ref). */
export const KEYWORDS = new Set([
  'package', 'import', 'default', 'else', 'if', 'contains', 'in', 'every', 'some', 'not', 'with', 'as', 'true', 'false', 'null',
]);

export class Cursor {
  pos = 0;
  /** In a comprehension head `[x | ...]`, `|` ends the term instead of meaning set union. */
  barEndsTerm = false;
  /** Experimental `and` / `or` keywords enabled for this module. */
  readonly keywords = new Set<string>();
  /** `import future.keywords.not`: `not { body }` negates a whole body. */
  notBody = false;
  /**
   * Rego v0 syntax for this module (OPA's --v0-compatible): bodies without `if`, `p[x] { ... }`
   * partial sets. `import rego.v1` switches a v0 module back to v1 syntax.
   */
  v0 = false;

  constructor(
    readonly file: string,
    readonly tokens: Token[],
    /** The whole file's text: template expressions are re-tokenized from it with file positions. */
    readonly source = '',
    /** Term nesting limit (Limits.maxParseDepth): a hostile policy cannot overflow the stack. */
    readonly maxDepth = 200,
  ) {}

  depth = 0;

  /** Parses with `|` ending terms (comprehension heads) or being set union (everywhere else). */
  barScope<T>(barEndsTerm: boolean, parse: () => T): T {
    const saved = this.barEndsTerm;
    this.barEndsTerm = barEndsTerm;
    try {
      return parse();
    } finally {
      this.barEndsTerm = saved;
    }
  }

  peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return token;
  }

  is(text: string, k = 0): boolean {
    const token = this.peek(k);
    return token.kind !== 'string' && token.kind !== 'template' && token.text === text;
  }

  /**
   * A keyword used as such. A keyword directly followed by `.` is a name instead (`not.foo := 1`,
   * `data.foo.not.bar`), as OPA's keywordrefs cases require.
   */
  isKeyword(word: string, k = 0): boolean {
    const token = this.peek(k);
    return token.kind === 'ident' && token.text === word && !this.isNameWithDot(k);
  }

  isNameWithDot(k = 0): boolean {
    const next = this.peek(k + 1);
    if (next.kind !== 'punct' || next.ws) return false;
    // `contains(s, x)` is the built-in, not the keyword.
    return next.text === '.' || (next.text === '(' && this.peek(k).text === 'contains');
  }

  accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.next();
    return true;
  }

  expect(text: string, what = `expected ${text}`): Token {
    if (!this.is(text)) this.fail(this.peek(), `unexpected ${describe(this.peek())}, ${what}`);
    return this.next();
  }

  loc(token: Token = this.peek()): Location {
    return { file: this.file, row: token.row, col: token.col };
  }

  fail(token: Token, message: string): never {
    throw new RegoError('rego_parse_error', message, [this.loc(token)]);
  }

  enter(): void {
    if (++this.depth > this.maxDepth) this.fail(this.peek(), `nesting deeper than ${this.maxDepth} levels`);
  }

  leave(): void {
    this.depth--;
  }
}

export function describe(token: Token): string {
  if (token.kind === 'eof') return 'eof token';
  if (token.kind === 'ident') return KEYWORDS.has(token.text) ? `${token.text} keyword` : 'ident token';
  if (token.kind === 'punct') return `${token.text} token`;
  return `${token.kind} token`;
}
