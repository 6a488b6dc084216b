/**
 * Base64 decoding with Go's encoding/base64 rules and error positions. Node's Buffer decoder
 * silently skips bad characters; OPA rejects them with `illegal base64 data at input byte N`, and
 * the conformance cases check N.
 */

type Base64Variant = 'std' | 'url' | 'rawstd' | 'rawurl';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const decodeMaps = new Map<string, Map<number, number>>(
  [STD, URL].map((alphabet) => [alphabet, new Map([...alphabet].map((c, i) => [c.charCodeAt(0), i]))]),
);

/** Go's CorruptInputError text. */
export class Base64Error extends Error {
  override readonly name = 'Base64Error';
  static at(offset: number): Base64Error {
    return new Base64Error(`illegal base64 data at input byte ${offset}`);
  }
}

const NEWLINE = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;

/** Decodes like Go's `base64.<Variant>Encoding.DecodeString`; throws Base64Error. */
export function decodeBase64(text: string, variant: Base64Variant): Buffer {
  const src = Buffer.from(text, 'utf8');
  const map = decodeMaps.get(variant === 'std' || variant === 'rawstd' ? STD : URL)!;
  const padded = variant === 'std' || variant === 'url';
  const out: number[] = [];
  let si = 0;
  for (;;) {
    const quantum = [0, 0, 0, 0];
    let length = 4;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        if (j === 1 || padded) throw Base64Error.at(si - j);
        length = j;
        break;
      }
      const c = src[si++]!;
      if (NEWLINE(c)) {
        j--;
        continue;
      }
      const digit = map.get(c);
      if (digit !== undefined) {
        quantum[j] = digit;
        continue;
      }
      if (c !== 0x3d || !padded || j < 2) throw Base64Error.at(si - 1);
      // Padding: "==" after two digits, "=" after three, then only newlines may follow.
      if (j === 2) {
        while (NEWLINE(src[si])) si++;
        if (si === src.length) throw Base64Error.at(src.length);
        if (src[si] !== 0x3d) throw Base64Error.at(si - 1);
        si++;
      }
      while (NEWLINE(src[si])) si++;
      if (si < src.length) throw Base64Error.at(si);
      length = j;
      break;
    }
    const bits = (quantum[0]! << 18) | (quantum[1]! << 12) | (quantum[2]! << 6) | quantum[3]!;
    const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff];
    out.push(...bytes.slice(0, length - 1));
    if (length < 4) return Buffer.from(out);
  }
}

export function encodeBase64(data: Buffer, variant: Base64Variant): string {
  const text = data.toString(variant === 'std' || variant === 'rawstd' ? 'base64' : 'base64url');
  if (variant === 'rawstd') return text.replace(/=+$/, '');
  if (variant === 'url') return text + '='.repeat((4 - (text.length % 4)) % 4);
  return text;
}

/**
 * OPA's base64url.decode: some encoders omit the padding, so unpadded text is read as raw
 * (RFC 7515 appendix C); a length of 1 mod 4 can never be valid.
 */
export function decodeBase64Url(text: string): Buffer {
  if (text.endsWith('=')) return decodeBase64(text, 'url');
  if (text.length % 4 === 1) throw new Base64Error(`illegal base64url string: ${text}`);
  return decodeBase64(text, 'rawurl');
}
