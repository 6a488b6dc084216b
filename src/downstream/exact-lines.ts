import { Transform } from 'node:stream';
import { assertExactNumbers } from '../exact-numbers.ts';
import { toJsonRpcError } from '../jsonrpc-errors.ts';

/**
 * The raw lines the client sends, before the SDK parses them into doubles: a message with a
 * number that would change on the way (exact-numbers.ts) is answered here with
 * REQUEST_NUMBER_INEXACT and never reaches the session.
 */
export function exactLines(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Transform {
  let pending = '';
  const lines = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const end = pending.lastIndexOf('\n');
      if (end < 0) return done();
      const complete = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      const passed = complete.split('\n').filter((line) => line === '' || accepted(line, output)).join('\n');
      done(null, passed === '' ? undefined : passed);
    },
    flush(done) {
      done(null, pending);
    },
  });
  input.pipe(lines);
  return lines;
}

function accepted(line: string, output: NodeJS.WritableStream): boolean {
  try {
    assertExactNumbers(line);
    return true;
  } catch (error) {
    const { code, message, data } = toJsonRpcError(error);
    output.write(`${JSON.stringify({ jsonrpc: '2.0', id: idOf(line), error: { code, message, data } })}\n`);
    return false;
  }
}

/** The message's id when it survives parsing unchanged (an id may itself be the bad number). */
function idOf(line: string): string | number | null {
  try {
    const { id } = JSON.parse(line) as { id?: unknown };
    return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
  } catch {
    return null;
  }
}
