/**
 * GraphQL lexer with gqlparser's (vektah/gqlparser v2) token kinds, rune-based positions and error
 * wording: OPA reports those positions and messages verbatim, so they must match byte for byte.
 */

export type TokenKind =
  | '<Invalid>'
  | '<EOF>'
  | '!'
  | '$'
  | '&'
  | '('
  | ')'
  | '...'
  | ':'
  | '='
  | '@'
  | '['
  | ']'
  | '{'
  | '}'
  | '|'
  | 'Name'
  | 'Int'
  | 'Float'
  | 'String'
  | 'BlockString';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface Token extends Position {
  readonly kind: TokenKind;
  readonly value: string;
}

/** A syntax or validation error at a line and column, as gqlerror reports it. */
export class GraphqlError extends Error {
  override readonly name = 'GraphqlError';
  constructor(
    message: string,
    readonly position: Position | undefined,
  ) {
    super(message);
  }
}

/** gqlparser's Token.String(): the kind, then the quoted value when there is one. */
export function describeToken(token: Token): string {
  return token.value === '' ? token.kind : `${token.kind} ${goQuote(token.value)}`;
}

/** Go's strconv.Quote for the characters GraphQL text can hold. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const PUNCTUATORS: Record<string, TokenKind> = {
  '!': '!',
  $: '$',
  '&': '&',
  '(': '(',
  ')': ')',
  ':': ':',
  '=': '=',
  '@': '@',
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  '|': '|',
};

const isNameStart = (c: string | undefined) => c !== undefined && /[_A-Za-z]/.test(c);
const isNameChar = (c: string | undefined) => c !== undefined && /[_0-9A-Za-z]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

interface LexResult {
  readonly token: Token;
  readonly error?: GraphqlError;
}

/**
 * Reads tokens on demand. Columns count Unicode code points from 1, as Go counts runes; an
 * invalid token carries the error position (where lexing stopped), as gqlparser's makeError does.
 */
export class Lexer {
  private end = 0;
  private runes = 0;
  private line = 1;
  private lineStart = 0;
  private startRunes = 0;

  constructor(private readonly input: string) {}

  next(): LexResult {
    this.skipIgnored();
    const start = this.end;
    this.startRunes = this.runes;
    if (start >= this.input.length) return this.token('<EOF>', '');
    const c = this.input[start]!;
    const punctuator = PUNCTUATORS[c];
    if (punctuator) {
      this.advance(1);
      return this.token(punctuator, '');
    }
    if (c === '.' && this.input.startsWith('...', start)) {
      for (let i = 0; i < 3; i++) this.advance(1);
      return this.token('...', '');
    }
    if (isNameStart(c)) {
      while (isNameChar(this.input[this.end])) this.advance(1);
      return this.token('Name', this.input.slice(start, this.end));
    }
    if (c === '-' || isDigit(c)) return this.readNumber(start);
    if (c === '"') return this.input.startsWith('"""', start) ? this.readBlockString() : this.readString();
    const code = c.codePointAt(0)!;
    if (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') {
      return this.error(`Cannot contain the invalid character "\\u${String(code).padStart(4, '0')}"`);
    }
    if (c === "'") return this.error(`Unexpected single quote character ('), did you mean to use a double quote (")?`);
    return this.error(`Cannot parse the unexpected character "${String.fromCodePoint(this.input.codePointAt(start)!)}".`);
  }

  private advance(units: number): void {
    this.end += units;
    this.runes += 1;
  }

  private newline(): void {
    this.line += 1;
    this.lineStart = this.runes;
  }

  private token(kind: TokenKind, value: string): LexResult {
    return { token: { kind, value, line: this.line, column: this.startRunes - this.lineStart + 1 } };
  }

  private error(message: string): LexResult {
    const position = { line: this.line, column: this.runes - this.lineStart + 1 };
    return { token: { kind: '<Invalid>', value: '', ...position }, error: new GraphqlError(message, position) };
  }

  private skipIgnored(): void {
    for (;;) {
      const c = this.input[this.end];
      if (c === '\t' || c === ' ' || c === ',' || c === '\uFEFF') this.advance(1);
      else if (c === '\n') {
        this.advance(1);
        this.newline();
      } else if (c === '\r') {
        this.advance(1);
        this.newline();
        if (this.input[this.end] === '\n') this.advance(1);
      } else if (c === '#') {
        this.advance(1);
        while (this.end < this.input.length) {
          const code = this.input.codePointAt(this.end)!;
          if (code <= 0x1f && code !== 0x09) break;
          this.advance(code > 0xffff ? 2 : 1);
        }
      } else return;
    }
  }

  private digits(): number {
    let count = 0;
    while (isDigit(this.input[this.end])) {
      this.advance(1);
      count += 1;
    }
    return count;
  }

  private accept(...chars: string[]): boolean {
    const c = this.input[this.end];
    if (c === undefined || !chars.includes(c)) return false;
    this.advance(1);
    return true;
  }

  private describeNext(): string {
    const c = this.input[this.end];
    return c === undefined ? '<EOF>' : `"${c}"`;
  }

  private readNumber(start: number): LexResult {
    let float = false;
    this.accept('-');
    if (this.accept('0')) {
      const consumed = this.digits();
      if (consumed !== 0) {
        this.end -= consumed;
        this.runes -= consumed;
        return this.error(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.digits() === 0) {
      return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept('.')) {
      float = true;
      if (this.digits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept('e', 'E')) {
      float = true;
      this.accept('-', '+');
      if (this.digits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    return this.token(float ? 'Float' : 'Int', this.input.slice(start, this.end));
  }

  private readString(): LexResult {
    this.advance(1);
    // As in gqlparser, a string token starts after its opening quote.
    this.startRunes = this.runes;
    let value = '';
    while (this.end < this.input.length) {
      const c = this.input[this.end]!;
      if (c === '\n' || c === '\r') break;
      const code = c.charCodeAt(0);
      if (code < 0x20 && c !== '\t') return this.error(`Invalid character within String: "\\u${String(code).padStart(4, '0')}".`);
      if (c === '"') {
        const result = this.token('String', value);
        this.advance(1);
        return result;
      }
      if (c === '\\') {
        const escape = this.input[this.end + 1];
        if (escape === undefined) {
          this.advance(1);
          return this.error('Invalid character escape sequence.');
        }
        if (escape === 'u') {
          const hex = this.input.slice(this.end + 2, this.end + 6);
          if (this.end + 6 >= this.input.length) {
            this.advance(1);
            return this.error(`Invalid character escape sequence: \\${this.input.slice(this.end)}.`);
          }
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.advance(1);
            return this.error(`Invalid character escape sequence: \\${this.input.slice(this.end, this.end + 5)}.`);
          }
          value += String.fromCharCode(parseInt(hex, 16));
          for (let i = 0; i < 6; i++) this.advance(1);
          continue;
        }
        const simple: Record<string, string> = { '"': '"', '/': '/', '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (simple[escape] === undefined) {
          this.advance(1);
          return this.error(`Invalid character escape sequence: \\${escape}.`);
        }
        value += simple[escape];
        this.advance(1);
        this.advance(1);
        continue;
      }
      const point = this.input.codePointAt(this.end)!;
      const ch = String.fromCodePoint(point);
      value += ch;
      this.advance(ch.length);
    }
    return this.error('Unterminated string.');
  }

  private readBlockString(): LexResult {
    for (let i = 0; i < 3; i++) this.advance(1);
    // gqlparser positions a block string after its opening quotes, on the line where it ends.
    this.startRunes = this.runes;
    let raw = '';
    while (this.end < this.input.length) {
      const c = this.input[this.end]!;
      if (this.input.startsWith('"""', this.end)) {
        const result = this.token('BlockString', blockStringValue(raw));
        for (let i = 0; i < 3; i++) this.advance(1);
        return result;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') {
        return this.error(`Invalid character within String: "\\u${String(code).padStart(4, '0')}".`);
      }
      if (this.input.startsWith('\\"""', this.end)) {
        raw += '"""';
        for (let i = 0; i < 4; i++) this.advance(1);
      } else if (c === '\r') {
        if (this.input[this.end + 1] === '\n') this.advance(1);
        raw += '\n';
        this.advance(1);
        this.newline();
      } else {
        const ch = String.fromCodePoint(this.input.codePointAt(this.end)!);
        raw += ch;
        this.advance(ch.length);
        if (c === '\n') this.newline();
      }
    }
    return this.error('Unterminated string.');
  }
}

/** The GraphQL spec's BlockStringValue: common indentation and blank first/last lines removed. */
function blockStringValue(raw: string): string {
  const lines = raw.split('\n');
  const indentOf = (line: string) => line.length - line.replace(/^[ \t]*/, '').length;
  let common: number | undefined;
  for (const line of lines.slice(1)) {
    const indent = indentOf(line);
    if (indent < line.length && (common === undefined || indent < common)) common = indent;
  }
  const dedented = lines.map((line, i) => (i === 0 || common === undefined ? line : line.slice(common)));
  const blank = (line: string) => indentOf(line) === line.length;
  while (dedented.length > 0 && blank(dedented[0]!)) dedented.shift();
  while (dedented.length > 0 && blank(dedented[dedented.length - 1]!)) dedented.pop();
  return dedented.join('\n');
}
