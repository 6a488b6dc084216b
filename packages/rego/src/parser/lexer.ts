/**
 * Rego tokenizer. Newlines are significant in Rego (they separate body expressions), so every token
 * records whether a newline or whitespace preceded it; the parser uses `ws` to tell a ref
 * (`x[0]`, `f(x)`) from two adjacent terms.
 */
import { RegoError } from '../errors.ts';

export type TokenKind = 'ident' | 'string' | 'number' | 'template' | 'punct' | 'eof';

export interface TemplatePart {
  /** Literal text, or the source of an embedded expression with its start offset in the file. */
  literal?: string;
  expr?: { text: string; offset: number };
}

export interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded string value (strings), or the template parts. */
  value?: string;
  parts?: TemplatePart[];
  offset: number;
  row: number;
  col: number;
  /** A newline precedes the token. */
  nl: boolean;
  /** Whitespace (or a comment) precedes the token. */
  ws: boolean;
}

const PUNCT = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|'];

export interface Comment {
  /** Text after `#`. */
  text: string;
  row: number;
  col: number;
}

export function tokenize(
  file: string,
  source: string,
  baseOffset = 0,
  rowCol?: (offset: number) => [number, number],
  /** Receives the comments (METADATA annotations are read from them). */
  comments?: Comment[],
): Token[] {
  const tokens: Token[] = [];
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const position = rowCol ?? ((offset: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - lineStarts[lo]! + 1];
  });
  const fail = (offset: number, message: string): never => {
    const [row, col] = position(offset + baseOffset);
    throw new RegoError('rego_parse_error', message, [{ file, row, col }]);
  };

  let i = 0;
  let nl = false;
  let ws = false;
  const push = (kind: TokenKind, start: number, extra: Partial<Token> = {}): void => {
    const [row, col] = position(start + baseOffset);
    tokens.push({ kind, text: source.slice(start, i), offset: start + baseOffset, row, col, nl, ws, ...extra });
    nl = false;
    ws = false;
  };

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      nl = true;
      ws = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      ws = true;
      i++;
      continue;
    }
    if (c === '#') {
      const start = i;
      while (i < source.length && source[i] !== '\n') i++;
      if (comments) {
        const [row, col] = position(start + baseOffset);
        comments.push({ text: source.slice(start + 1, i).replace(/\r$/, ''), row, col });
      }
      ws = true;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i]!)) i++;
      push('ident', start);
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      while (i < source.length && /[0-9]/.test(source[i]!)) i++;
      if (source[i] === '.' && /[0-9]/.test(source[i + 1] ?? '')) {
        i++;
        while (i < source.length && /[0-9]/.test(source[i]!)) i++;
      }
      if (source[i] === 'e' || source[i] === 'E') {
        let j = i + 1;
        if (source[j] === '+' || source[j] === '-') j++;
        if (/[0-9]/.test(source[j] ?? '')) {
          i = j;
          while (i < source.length && /[0-9]/.test(source[i]!)) i++;
        }
      }
      push('number', start);
      continue;
    }
    if (c === '"') {
      i++;
      const value = readQuoted(source, i, (_, message) => fail(start, message), false);
      i = value.end;
      push('string', start, { value: value.text });
      continue;
    }
    if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) fail(i, 'unterminated raw string');
      i = end + 1;
      push('string', start, { value: source.slice(start + 1, end) });
      continue;
    }
    if (c === '$' && (source[i + 1] === '"' || source[i + 1] === '`')) {
      i = readTemplate(source, i, baseOffset, fail, (parts, end) => {
        i = end;
        push('template', start, { parts });
      });
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (!punct) fail(i, `illegal token`);
    i += punct!.length;
    push('punct', start);
  }
  i = source.length;
  push('eof', source.length);
  return tokens;
}

type Fail = (offset: number, message: string) => never;

/** Reads a double-quoted string body from `i` (after the opening quote). */
function readQuoted(source: string, i: number, fail: Fail, template: boolean): { text: string; end: number; closed: boolean } {
  let text = '';
  for (;;) {
    const c = source[i];
    if (c === undefined || c === '\n') return fail(i, 'non-terminated string');
    if (c === '"') return { text, end: i + 1, closed: true };
    if (template && c === '{') return { text, end: i, closed: false };
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    i += 2;
    switch (e) {
      case '"': case '\\': case '/': text += e; break;
      case 'b': text += '\b'; break;
      case 'f': text += '\f'; break;
      case 'n': text += '\n'; break;
      case 'r': text += '\r'; break;
      case 't': text += '\t'; break;
      case 'u': {
        const hex = source.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i - 2, 'invalid escape sequence');
        let code = parseInt(hex, 16);
        i += 4;
        if (code >= 0xd800 && code < 0xdc00 && source.startsWith('\\u', i)) {
          const low = parseInt(source.slice(i + 2, i + 6), 16);
          if (low >= 0xdc00 && low < 0xe000) {
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            i += 6;
          }
        }
        text += String.fromCodePoint(code);
        break;
      }
      case '{':
        if (template) {
          text += '{';
          break;
        }
        return fail(i - 2, 'invalid escape sequence');
      default:
        return fail(i - 2, 'invalid escape sequence');
    }
  }
}

/**
 * Template strings (`$"a {x} b"`, raw `$\`a {x}\``): literal parts and embedded expression sources.
 * `\{` escapes a brace in the quoted form; braces nest inside an expression.
 */
function readTemplate(source: string, i: number, baseOffset: number, fail: Fail, done: (parts: TemplatePart[], end: number) => void): number {
  const raw = source[i + 1] === '`';
  i += 2;
  const parts: TemplatePart[] = [];
  for (;;) {
    let literal: string;
    let closed: boolean;
    if (raw) {
      let j = i;
      while (j < source.length && source[j] !== '`' && source[j] !== '{') j++;
      if (j >= source.length) return fail(i, 'non-terminated template string');
      literal = source.slice(i, j);
      closed = source[j] === '`';
      i = closed ? j + 1 : j;
    } else {
      const read = readQuoted(source, i, fail, true);
      literal = read.text;
      closed = read.closed;
      i = read.end;
    }
    if (literal) parts.push({ literal });
    if (closed) {
      done(parts, i);
      return i;
    }
    // An embedded expression: find the matching close brace, skipping strings.
    let depth = 0;
    const start = i + 1;
    let j = i;
    for (; j < source.length; j++) {
      const c = source[j];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
      else if (c === '"') {
        j++;
        while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      } else if (c === '`') j = source.indexOf('`', j + 1);
      if (j < 0 || (c === '\n' && !raw)) return fail(start, 'non-terminated template expression');
    }
    if (j >= source.length) return fail(start, 'non-terminated template expression');
    parts.push({ expr: { text: source.slice(start, j), offset: start + baseOffset } });
    i = j + 1;
  }
}
