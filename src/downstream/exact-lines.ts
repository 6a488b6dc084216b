import { Transform } from 'node:stream';
import { assertExactNumbers } from '../exact-numbers.ts';
import { refusalResponse } from '../jsonrpc-errors.ts';

/**
 * The raw lines the client sends, before the SDK parses them into doubles: a message with a
 * number that would change on the way (exact-numbers.ts) is answered here with
 * REQUEST_NUMBER_INEXACT and never reaches the session. Lines are cut from the bytes, not from
 * text decoded chunk by chunk (a character split across two reads would be changed), and when
 * every line of a read passes, its bytes go on as they came.
 */
export function exactLines(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Transform {
  let pending: Buffer[] = [];
  const lines = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const end = chunk.lastIndexOf(10);
      if (end < 0) {
        pending.push(chunk);
        return done();
      }
      const complete = pending.length === 0 ? chunk.subarray(0, end + 1) : Buffer.concat([...pending, chunk.subarray(0, end + 1)]);
      pending = end + 1 < chunk.length ? [chunk.subarray(end + 1)] : [];
      done(null, passed(complete, output));
    },
    flush(done) {
      done(null, pending.length === 0 ? undefined : Buffer.concat(pending));
    },
  });
  input.pipe(lines);
  return lines;
}

/** The complete lines of `bytes` that may go on: all of them as they came, or the accepted ones. */
function passed(bytes: Buffer, output: NodeJS.WritableStream): Buffer | string | undefined {
  const lines = bytes.toString('utf8').split('\n');
  const kept = lines.filter((line) => line === '' || accepted(line, output));
  if (kept.length === lines.length) return bytes;
  const text = kept.join('\n');
  return text === '' ? undefined : text;
}

function accepted(line: string, output: NodeJS.WritableStream): boolean {
  try {
    assertExactNumbers(line);
    return true;
  } catch (error) {
    output.write(`${JSON.stringify(refusalResponse(error))}\n`);
    return false;
  }
}
