import { Transform } from 'node:stream';
import { type DroppedMessage, droppedMessageOf, HEAD, keepTail, startDropped } from '../dropped-line.ts';
import { WardenError } from '../errors.ts';
import { assertExactNumbers } from '../exact-numbers.ts';
import { assertJsonDepth } from '../json-depth.ts';
import { refusalResponse } from '../jsonrpc-errors.ts';

/** `server.max_body_bytes` per line and `server.max_json_depth` per message. */
export interface LineLimits {
  maxLineBytes: number;
  maxJsonDepth: number;
}

/**
 * The raw lines the client sends, before either era parses them:
 * - a line longer than `maxLineBytes` (`server.max_body_bytes`, the limit an HTTP body has) is
 *   dropped while it is read, never held whole, and a request is answered with
 *   REQUEST_TOO_LARGE (its id when the line's first or last bytes show it, else null). Without
 *   it a client that never sent a newline grew the gateway's memory without bound;
 * - a message nested deeper than `maxJsonDepth` (json-depth.ts) is answered with
 *   REQUEST_TOO_DEEP, and one with a number that would change on the way (exact-numbers.ts) with
 *   REQUEST_NUMBER_INEXACT; neither reaches the session.
 * Lines are cut from the bytes, not from text decoded chunk by chunk (a character split across
 * two reads would be changed), and when every line of a read passes, its bytes go on as they came.
 */
export function exactLines(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, limits: LineLimits): Transform {
  const { maxLineBytes, maxJsonDepth } = limits;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dropping: DroppedMessage | undefined;
  const refuse = (error: WardenError): void => void output.write(`${JSON.stringify(refusalResponse(error))}\n`);

  const hold = (piece: Buffer): void => {
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes <= maxLineBytes) return;
    const held = Buffer.concat(pending);
    dropping = startDropped(held.subarray(0, HEAD).toString('utf8'), held);
    pending = [];
    pendingBytes = 0;
  };
  const answerDropped = (dropped: DroppedMessage): void => {
    const message = droppedMessageOf(dropped.head, dropped.tail.toString('utf8'));
    // A client's response (to a server->client request) is no request to answer.
    if (message?.response) return;
    refuse(new WardenError('REQUEST_TOO_LARGE', `Request line of ${dropped.bytes} bytes or more exceeds ${maxLineBytes} bytes`, { details: { requestId: message?.id ?? null } }));
  };
  const dropWhole = (line: Buffer): void => answerDropped(startDropped(line.subarray(0, HEAD).toString('utf8'), line));

  const lines = new Transform({
    transform(data: Buffer, _encoding, done) {
      let chunk = data;
      if (dropping) {
        const newline = chunk.indexOf(10);
        if (newline < 0) {
          keepTail(dropping, chunk);
          return done();
        }
        keepTail(dropping, chunk.subarray(0, newline));
        answerDropped(dropping);
        dropping = undefined;
        chunk = chunk.subarray(newline + 1);
      }
      const end = chunk.lastIndexOf(10);
      if (end < 0) {
        if (chunk.length > 0) hold(chunk);
        return done();
      }
      const complete = pending.length === 0 ? chunk.subarray(0, end + 1) : Buffer.concat([...pending, chunk.subarray(0, end + 1)]);
      pending = [];
      pendingBytes = 0;
      if (end + 1 < chunk.length) hold(chunk.subarray(end + 1));
      done(null, passed(complete));
    },
    flush(done) {
      done(null, pending.length === 0 ? undefined : Buffer.concat(pending));
    },
  });

  /** The complete lines of `bytes` that may go on: all of them as they came, or the accepted ones. */
  const passed = (bytes: Buffer): Buffer | string | undefined => {
    const kept: string[] = [];
    let all = true;
    for (let start = 0; start < bytes.length; ) {
      const newline = bytes.indexOf(10, start);
      const line = bytes.subarray(start, newline);
      start = newline + 1;
      if (line.length > maxLineBytes) {
        dropWhole(line);
        all = false;
        continue;
      }
      const text = line.toString('utf8');
      if (text === '' || accepted(text)) kept.push(text);
      else all = false;
    }
    if (all) return bytes;
    return kept.length === 0 ? undefined : `${kept.join('\n')}\n`;
  };
  const accepted = (line: string): boolean => {
    try {
      assertJsonDepth(line, maxJsonDepth);
      assertExactNumbers(line);
      return true;
    } catch (error) {
      refuse(error as WardenError);
      return false;
    }
  };

  input.pipe(lines);
  return lines;
}
