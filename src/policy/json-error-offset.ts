/**
 * Where a JSON text first goes wrong. V8's JSON.parse messages only sometimes carry a position
 * ("Unexpected token ']', "[1, 2,]" is not valid JSON" does not), and a broken data document
 * must be reported with its line. This walks the grammar (RFC 8259) just far enough to return
 * the offset of the first character that cannot continue a valid text; call it only after
 * JSON.parse has failed.
 */
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Stop {
  constructor(readonly offset: number) {}
}

export function jsonErrorOffset(text: string): number {
  let at = 0;
  const fail = (): never => {
    throw new Stop(at);
  };
  const space = (): void => {
    while (at < text.length && WHITESPACE.has(text[at]!)) at++;
  };
  const match = (pattern: RegExp): void => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) fail();
    at = pattern.lastIndex;
  };
  const sequence = (close: string, member: () => void): void => {
    at++;
    space();
    if (text[at] === close) return void at++;
    for (;;) {
      member();
      space();
      if (text[at] === close) return void at++;
      if (text[at] !== ',') fail();
      at++;
      space();
    }
  };
  const value = (): void => {
    space();
    const c = text[at];
    if (c === '{') {
      sequence('}', () => {
        if (text[at] !== '"') fail();
        match(STRING);
        space();
        if (text[at] !== ':') fail();
        at++;
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') match(STRING);
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) match(NUMBER);
    else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, at));
      if (literal === undefined) fail();
      at += literal!.length;
    }
  };
  try {
    value();
    space();
    return at < text.length ? at : text.length;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
}
