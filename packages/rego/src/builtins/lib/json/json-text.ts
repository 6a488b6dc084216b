import type { Value } from '../../../value.ts';
import { RObject, RSet } from '../../../value.ts';

/**
 * JSON text in and out the way OPA's Go code reads and writes it. JSON.parse would round integers
 * beyond 2^53 (OPA keeps them exact) and JSON.stringify neither escapes HTML characters nor indents
 * with a prefix as Go's encoding/json does, so both directions are written here.
 */

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

/** Parses JSON text into a Value; integers outside the safe range become bigints. */
export function parseJson(text: string): Value {
  const parser = new JsonParser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.unexpected('after top-level value');
  return value;
}

export function isValidJson(text: string): boolean {
  try {
    parseJson(text);
    return true;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return false;
    throw error;
  }
}

const ESCAPES = '"\\/bfnrt';
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Nesting bound: deeper documents would exhaust the (recursive) parser's stack. */
const MAX_DEPTH = 1000;

class JsonParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(`exceeded max depth of ${MAX_DEPTH}`);
    const value = parse();
    this.depth--;
    return value;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(message: string): never {
    throw new JsonSyntaxError(message);
  }

  /** Go's encoding/json wording: `invalid character 'x' <context>` or the end-of-input error. */
  unexpected(context: string): never {
    const c = this.text[this.pos];
    if (c === undefined) return this.fail('unexpected end of JSON input');
    const quoted = c === "'" ? "'\\''" : c === '"' ? `'"'` : `'${JSON.stringify(c).slice(1, -1)}'`;
    return this.fail(`invalid character ${quoted} ${context}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(): Value {
    const c = this.text[this.pos];
    if (c === '{') return this.nested(() => this.object());
    if (c === '[') return this.nested(() => this.array());
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.unexpected('looking for beginning of value');
  }


  private object(): RObject {
    const object = new RObject();
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.unexpected('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.unexpected('after object key');
      this.pos++;
      this.skipSpace();
      object.set(key, this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      if (c !== ',' && c !== '}') this.unexpected('after object key:value pair');
      this.pos++;
      if (c === '}') return object;
    }
  }

  private array(): Value[] {
    const items: Value[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      if (c !== ',' && c !== ']') this.unexpected('after array element');
      this.pos++;
      if (c === ']') return items;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.unexpected('');
      if (c === '"') break;
      if (c < ' ') this.unexpected('in string literal');
      if (c === '\\') {
        this.pos++;
        const escape = this.text[this.pos];
        if (escape === 'u') {
          const hex = /^[0-9a-fA-F]{0,4}/.exec(this.text.slice(this.pos + 1, this.pos + 5))![0];
          this.pos += hex.length;
          if (hex.length < 4) {
            this.pos++;
            this.unexpected('in \\u hexadecimal character escape');
          }
        } else if (!ESCAPES.includes(escape ?? '')) {
          this.unexpected('in string escape code');
        }
      }
      this.pos++;
    }
    this.pos++;
    // Every escape was checked above, so JSON.parse cannot fail here.
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) {
      this.pos++;
      return this.unexpected('in numeric literal');
    }
    this.pos += match[0].length;
    return numberFromText(match[0]);
  }
}

/** Exact where it matters: integer literals beyond 2^53 stay bigints. */
function numberFromText(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
}

export interface MarshalOptions {
  /** Indent with these options (Go's json.MarshalIndent); compact when absent. */
  readonly indent?: { readonly prefix: string; readonly indent: string };
}

/**
 * Go's json.Marshal of a Rego value: sets as sorted arrays, object keys sorted, non-string keys as
 * their JSON text, and `<`, `>`, `&`, U+2028, U+2029 escaped as Go does by default.
 */
export function marshalJson(value: Value, options: MarshalOptions = {}): string {
  const layout = options.indent;
  if (!layout) return write(value, undefined, '');
  return layout.prefix + write(value, layout, layout.prefix);
}

function write(value: Value, layout: MarshalOptions['indent'], lineStart: string): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return String(value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value) || value instanceof RSet) {
    const items = Array.isArray(value) ? value : value.sorted();
    return wrap('[', ']', items.map((item) => (inner: string) => write(item, layout, inner)), layout, lineStart);
  }
  const entries = value
    .sortedEntries()
    .map(([key, item]) => [typeof key === 'string' ? key : write(key, undefined, ''), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const separator = layout ? ': ' : ':';
  return wrap(
    '{',
    '}',
    entries.map(([key, item]) => (inner: string) => `${quote(key)}${separator}${write(item, layout, inner)}`),
    layout,
    lineStart,
  );
}

function wrap(
  open: string,
  close: string,
  parts: ((lineStart: string) => string)[],
  layout: MarshalOptions['indent'],
  lineStart: string,
): string {
  if (parts.length === 0) return open + close;
  if (!layout) return open + parts.map((part) => part('')).join(',') + close;
  const childStart = lineStart + layout.indent;
  return `${open}${parts.map((part) => `\n${childStart}${part(childStart)}`).join(',')}\n${lineStart}${close}`;
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return BigInt(n).toString();
  return JSON.stringify(n);
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON string literal with Go's default HTML-safe escaping. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
