import { WardenError } from './errors.ts';
import { DOT, LOWER_E, MINUS, NINE, QUOTE, stringEnd, UPPER_E, ZERO } from './json-scan.ts';
import { jsonPathAt } from './json-path-at.ts';
import { idOf } from './message-id.ts';

/**
 * Numbers that cannot be forwarded exactly are refused (issue 13, hole 7). The gateway parses
 * JSON into doubles (JSON.parse; Node 20 has no JSON.rawJSON to write a number back from its
 * text), so `9007199254740993` would reach the upstream as ...992, `1e400` as `null` and `-0` as
 * `0`: the upstream would receive another value than the client sent, and the audit would store
 * the changed one. A literal passes when its decimal value is exactly the value the gateway
 * writes for it (`1.0`, `1e2` and `0.1` pass: they are written `1`, `100` and `0.1`).
 */

// Strings are matched whole, so digits inside them are skipped; the other match is a JSON number.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
// Fifteen digits or fewer always fit a double exactly.
const SHORT_INTEGER = /^-?[1-9]\d{0,14}$|^0$/;

/** The first number literal in a JSON text that would change on the way through, and where it starts, if any. */
function inexactNumber(text: string): { literal: string; at: number } | undefined {
  if (onlyShortIntegers(text)) return undefined;
  for (const match of text.matchAll(TOKENS)) {
    const [token] = match;
    if (token.charCodeAt(0) === 34 /* " */ || SHORT_INTEGER.test(token)) continue;
    if (!exact(token)) return { literal: token, at: match.index };
  }
  return undefined;
}

const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;
/** Characters that would continue a number literal past its integer digits (the digits themselves are read to their end first). */
const continuesNumber = (code: number): boolean => code === DOT || code === LOWER_E || code === UPPER_E;

/**
 * The common message, checked without a match object per token: true when every token TOKENS
 * would find is a string or a SHORT_INTEGER (so the scan below could only pass). Anything else
 * (a fraction, an exponent, a long or negative-zero literal, an unterminated string) answers
 * false, and the scan by TOKENS decides, as it always did.
 */
function onlyShortIntegers(text: string): boolean {
  const length = text.length;
  for (let i = 0; i < length; ) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
      if (i >= length) return false;
      i++;
    } else if (code === MINUS || isDigit(code)) {
      const start = code === MINUS ? i + 1 : i;
      let end = start;
      while (end < length && isDigit(text.charCodeAt(end))) end++;
      const digits = end - start;
      const first = text.charCodeAt(start);
      const short = digits > 0 && digits <= 15 && (first !== ZERO || (digits === 1 && code !== MINUS));
      if (!short || (end < length && continuesNumber(text.charCodeAt(end)))) return false;
      i = end;
    } else {
      i++;
    }
  }
  return true;
}

/**
 * Throws REQUEST_NUMBER_INEXACT naming the first such literal and its field (`params.arguments.n`),
 * with the message's id in `details.requestId` when the id itself survives parsing (it may be the
 * bad number), so every transport answers the request it refuses.
 */
export function assertExactNumbers(text: string): void {
  const found = inexactNumber(text);
  if (found === undefined) return;
  const { literal, at } = found;
  const shown = literal.length > 40 ? `${literal.slice(0, 37)}...` : literal;
  const field = jsonPathAt(text, at);
  throw new WardenError(
    'REQUEST_NUMBER_INEXACT',
    `the number ${shown}${field === '' ? '' : ` at ${field}`} cannot be forwarded exactly (it is beyond double precision, out of range, or -0); send it as a string`,
    { details: { field, requestId: idOf(text) } },
  );
}

function exact(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  // What the gateway writes is JSON.stringify(value): -0 becomes "0".
  return decimal(literal) === decimal(JSON.stringify(value));
}

/** A decimal literal as "sign digits e exponent" with no leading or trailing zeros; zero is "0" (its sign kept). */
function decimal(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)!;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const all = `${whole}${fraction}`;
  const digits = all.replace(/^0+/, '');
  if (digits === '') return `${sign}0`;
  const trimmed = digits.replace(/0+$/, '');
  return `${sign}${trimmed}e${BigInt(exponent) - BigInt(fraction.length) + BigInt(digits.length - trimmed.length)}`;
}
