import type { Readable } from 'node:stream';

/**
 * Calls `onLine` with every line of a newline-delimited stream, ended at "\n" only (a "\r"
 * before it is dropped), and with what is left when the stream ends. Not node:readline: Node 24's
 * also ends a line at U+2028 and U+2029 (Node 20's does not), which a JSON string may hold raw, so
 * on Node 24 such a request was cut in two and never answered (found with the Python SDK's
 * client, whose JSON writes them raw). Bytes are split before they are decoded: in UTF-8 byte 10
 * is never part of another character.
 *
 * `maxLineBytes`: a longer line is reported by its first `maxLineBytes` bytes (`cut` true) as soon
 * as it is that long, and the rest of it is skipped unread. readline holds a line whole: an
 * upstream writing 700 MB to stderr without a newline grew the gateway by as much and then
 * crashed it (V8's longest string).
 */
export function eachLine(input: Readable, onLine: (line: string, cut: boolean) => void, maxLineBytes = Infinity): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  const emit = (bytes: Buffer): void => {
    if (bytes.length > maxLineBytes) return onLine(bytes.toString('utf8', 0, maxLineBytes), true);
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    onLine(bytes.toString('utf8', 0, end), false);
  };
  const hold = (piece: Buffer): void => {
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes <= maxLineBytes) return;
    emit(Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
    skipping = true;
  };
  input.on('data', (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, end);
      if (skipping) skipping = false;
      else emit(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length && !skipping) hold(chunk.subarray(start));
  });
  input.once('end', () => {
    if (pending.length > 0) emit(Buffer.concat(pending));
    pending = [];
  });
}
