/**
 * Base64 decoding with Go's encoding/base64 rules and error positions. Node's Buffer decoder
 * silently skips bad characters; OPA rejects them with `illegal base64 data at input byte N`, and
 * the conformance cases check N.
 */

export type Base64Variant = 'std' | 'url' | 'rawstd' | 'rawurl';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const decodeMaps = new Map<string, Map<number, number>>(
  [STD, URL].map((alphabet) => [alphabet, new Map([...alphabet].map((c, i) => [c.charCodeAt(0), i]))]),
);

/** Go's CorruptInputError text. */
export class Base64Error extends Error {
  override readonly name = 'Base64Error';
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
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
        if (j === 1 || padded) throw new Base64Error(si - j);
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
      if (c !== 0x3d || !padded || j < 2) throw new Base64Error(si - 1);
      // Padding: "==" after two digits, "=" after three, then only newlines may follow.
      if (j === 2) {
        while (NEWLINE(src[si])) si++;
        if (si === src.length) throw new Base64Error(src.length);
        if (src[si] !== 0x3d) throw new Base64Error(si - 1);
        si++;
      }
      while (NEWLINE(src[si])) si++;
      if (si < src.length) throw new Base64Error(si);
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
