/**
 * What the gateway's scans of raw JSON text share (exact-numbers.ts, json-depth.ts, json-path-at.ts):
 * the UTF-16 codes they compare with (charCodeAt, no string per character), and the skip over a string.
 */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const MINUS = 45;
export const ZERO = 48;
export const NINE = 57;
export const DOT = 46;
export const LOWER_E = 101;
export const UPPER_E = 69;

/**
 * The index of the quote that closes the string opening at `start` (text.length when it is not
 * closed). By indexOf to each quote, closing when an even number of backslashes stands before it:
 * most of a request's text is inside strings, and going through them a character at a time was
 * most of a scan's time (the depth scan of a 302-byte call: 1.3 µs hot).
 */
export function stringEnd(text: string, start: number): number {
  for (let end = text.indexOf('"', start + 1); end !== -1; end = text.indexOf('"', end + 1)) {
    let backslashes = 0;
    for (let before = end - 1; before > start && text.charCodeAt(before) === BACKSLASH; before--) backslashes++;
    if (backslashes % 2 === 0) return end;
  }
  return text.length;
}
