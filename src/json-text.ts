import { type ParseErrorCode, visit } from 'jsonc-parser';

/**
 * The one JSON reader for files people write (the config, `.mcp.json`, policy data documents,
 * `--input` documents): jsonc-parser's scanner, so a syntax error comes with its line and column
 * (V8's JSON.parse message sometimes has only an offset, sometimes nothing). Comments are allowed
 * where the file is ours (the config, as the README shows it in jsonc), refused where the format is
 * someone else's (OPA's data documents are plain JSON).
 *
 * The value is built as JSON.parse builds it: a `__proto__` key is an own key like any other
 * (defined, never assigned: assignment would set the prototype), the last of two equal keys
 * wins, numbers are JavaScript numbers. Nesting deeper than MAX_FILE_DEPTH is refused at the
 * bracket that goes too deep: jsonc-parser descends recursively, and 100,000 brackets overflowed
 * its stack (a crash with a stack trace instead of a line and column).
 */
export class JsonTextError extends Error {
  constructor(readonly line: number, readonly column: number, readonly reason: string) {
    super(`${line}:${column}: ${reason}`);
    this.name = 'JsonTextError';
  }
}

const EXPECTED: Partial<Record<ParseErrorCode, string>> = {
  3: 'a property name in double quotes',
  4: 'a value',
  5: '":"',
  6: '"," or the end of the object or array',
  7: '"}"',
  8: '"]"',
  9: 'the end of the text',
};

const BROKEN: Partial<Record<ParseErrorCode, string>> = {
  1: 'an invalid symbol',
  2: 'an invalid number',
  10: 'a comment (comments are not allowed in this file)',
  11: 'a comment that is not closed',
  12: 'a string that is not closed',
  13: 'a number that ends too soon',
  14: 'an invalid \\u escape',
  15: 'an invalid escape character',
  16: 'a control character inside a string',
};

function describe(code: ParseErrorCode, text: string, offset: number, length: number): string {
  const found = offset >= text.length ? 'the end of the text' : JSON.stringify(text.slice(offset, offset + Math.max(1, Math.min(length, 20))));
  const expected = EXPECTED[code];
  if (expected !== undefined) return `expected ${expected}, found ${found}`;
  return `${BROKEN[code] ?? 'invalid JSON'}: ${found}`;
}

/** As deep as a request may ever be (`server.max_json_depth` allows up to 512); no file people write comes near it. */
export const MAX_FILE_DEPTH = 512;

interface Frame {
  container: Record<string, unknown> | unknown[];
  key: string;
}

export function parseJsonText(text: string, options: { comments: boolean }): unknown {
  let root: unknown;
  let failure: JsonTextError | undefined;
  const stack: Frame[] = [];
  const put = (value: unknown): void => {
    const top = stack.at(-1);
    if (top === undefined) root = value;
    else if (Array.isArray(top.container)) top.container.push(value);
    else Object.defineProperty(top.container, top.key, { value, enumerable: true, writable: true, configurable: true });
  };
  const open = (container: Frame['container'], line: number, character: number): void => {
    if (stack.length === MAX_FILE_DEPTH) throw new JsonTextError(line + 1, character + 1, `nested deeper than ${MAX_FILE_DEPTH} levels`);
    put(container);
    stack.push({ container, key: '' });
  };
  visit(
    text,
    {
      onObjectBegin: (_offset, _length, line, character) => open({}, line, character),
      onObjectProperty: (name) => void (stack.at(-1)!.key = name),
      onObjectEnd: () => void stack.pop(),
      onArrayBegin: (_offset, _length, line, character) => open([], line, character),
      onArrayEnd: () => void stack.pop(),
      onLiteralValue: (value: unknown) => put(value),
      onError: (code, offset, length, line, character) => {
        failure ??= new JsonTextError(line + 1, character + 1, describe(code, text, offset, length));
      },
    },
    { disallowComments: !options.comments, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (failure !== undefined) throw failure;
  return root;
}
