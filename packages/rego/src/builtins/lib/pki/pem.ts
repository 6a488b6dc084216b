/** PEM blocks as Go's encoding/pem reads them: the first valid block and the text after it. */

interface PemBlock {
  readonly type: string;
  readonly bytes: Buffer;
}

const BLOCK = /-----BEGIN ([^\r\n-]*)-----\r?\n((?:[^\r\n]*:[^\r\n]*\r?\n)*)([\s\S]*?)-----END \1-----[ \t]*(?:\r?\n|$)/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The first block whose body is valid base64 (Go skips broken ones), and the rest after it. */
export function decodePem(text: string): { block: PemBlock; rest: string } | undefined {
  BLOCK.lastIndex = 0;
  for (let match = BLOCK.exec(text); match; match = BLOCK.exec(text)) {
    const body = match[3]!.replace(/\s+/g, '');
    if (BASE64.test(body) && body.length % 4 === 0) {
      return { block: { type: match[1]!, bytes: Buffer.from(body, 'base64') }, rest: text.slice(BLOCK.lastIndex) };
    }
  }
  return undefined;
}

/** Every valid block in order. */
export function decodeAllPem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (let rest = text, next = decodePem(rest); next; rest = next.rest, next = decodePem(rest)) blocks.push(next.block);
  return blocks;
}
