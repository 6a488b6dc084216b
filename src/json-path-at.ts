import { stringEnd } from './json-scan.ts';

/**
 * The dotted path (`params.arguments.items.2`, the form zod's issue paths take in our messages) of
 * the value that starts at `offset` in a JSON text, so a refusal can name the field it is about.
 * Run only on a refusal's path: it walks the text from the start. The text need not be valid
 * JSON (a stdio line is checked before it is parsed): what is not, is named as it is written.
 */
export function jsonPathAt(text: string, offset: number): string {
  const frames: Array<{ key: string | number | undefined; inObject: boolean }> = [];
  let expectingKey = false;
  for (let i = 0; i < offset; i++) {
    const char = text[i];
    const top = frames.at(-1);
    if (char === '"') {
      const end = stringEnd(text, i);
      if (top?.inObject === true && expectingKey) top.key = keyText(text.slice(i, end + 1));
      i = end;
    } else if (char === '{' || char === '[') {
      frames.push({ key: char === '[' ? 0 : undefined, inObject: char === '{' });
      expectingKey = char === '{';
    } else if (char === '}' || char === ']') {
      frames.pop();
    } else if (char === ',' && top !== undefined) {
      if (top.inObject) expectingKey = true;
      else top.key = (top.key as number) + 1;
    } else if (char === ':') {
      expectingKey = false;
    }
  }
  return frames.map((frame) => String(frame.key)).join('.');
}


/** A key's characters (escapes decoded), or as written when its escapes are not JSON's. */
function keyText(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, quoted.endsWith('"') && quoted.length > 1 ? -1 : undefined);
  }
}
