import { deserializeMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { type DroppedMessage, HEAD, keepTail, responseIdOf, startDropped } from '../dropped-line.ts';
import { answerTooDeep, MAX_ANSWER_DEPTH, tooDeepResponse, tooLargeResponse } from './own-answers.ts';

/**
 * `max_result_bytes`: an upstream message larger than the cap is dropped while it is read, never
 * held whole, on every transport. The request it answered still needs an answer: the transport
 * hands the SDK Client our own "too large" error for that id (own-answers.ts), which
 * upstreamCallError turns into RESULT_TOO_LARGE. The connection stays up: the next message is
 * read as usual.
 */

/** A message dropped while read, for its size (this many bytes or more) or its nesting; what the connection logs and reports. */
export type Dropped = ({ bytes: number } | { deeperThan: number }) & {
  /** The request it answered, when it was a response whose id could be read. */
  id: string | number | undefined;
};

/** `text`, a whole message, nests too deep (own-answers.ts): reports it and gives the answer its request gets, if its id can be read. */
export function droppedTooDeep(text: string, onDropped: (dropped: Dropped) => void): JSONRPCMessage | undefined {
  const id = responseIdOf(text.slice(0, HEAD), text.slice(-HEAD));
  onDropped({ deeperThan: MAX_ANSWER_DEPTH, id });
  return id === undefined ? undefined : tooDeepResponse(id);
}

/**
 * The stdio transport's line buffer (the SDK's ReadBuffer interface: append, readMessage, clear)
 * with a per-line cap. The SDK's own holds up to 10 MiB and then throws, which closes the whole
 * connection with nothing logged above debug (issue 13: a 20 MB result killed the upstream).
 * Complete lines are kept as chunks until their newline, so a long line costs one copy, not one
 * per chunk; past the cap only the first and last bytes of the line are kept, to read its id.
 */
export class CappedReadBuffer {
  readonly #queue: Array<string | JSONRPCMessage> = [];
  #partial: Buffer[] = [];
  #size = 0;
  #dropping: DroppedMessage | undefined;

  constructor(
    private readonly limit: number,
    private readonly onDropped: (dropped: Dropped) => void,
  ) {}

  append(chunk: Buffer): void {
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (this.#dropping) keepTail(this.#dropping, piece);
      else {
        this.#partial.push(piece);
        this.#size += piece.length;
        if (this.#size > this.limit) this.#startDropping();
      }
      if (newline === -1) return;
      this.#endLine();
      start = newline + 1;
    }
  }

  readMessage(): JSONRPCMessage | null {
    const next = this.#queue.shift();
    if (next === undefined) return null;
    return typeof next === 'string' ? deserializeMessage(next.replace(/\r$/, '')) : next;
  }

  clear(): void {
    this.#queue.length = 0;
    this.#partial = [];
    this.#size = 0;
    this.#dropping = undefined;
  }

  #startDropping(): void {
    const line = Buffer.concat(this.#partial);
    this.#dropping = startDropped(line.subarray(0, HEAD).toString('utf8'), line);
    this.#partial = [];
    this.#size = 0;
  }

  #endLine(): void {
    const dropping = this.#dropping;
    if (dropping) {
      this.#dropping = undefined;
      const id = responseIdOf(dropping.head, dropping.tail.toString('utf8'));
      this.onDropped({ bytes: dropping.bytes, id });
      if (id !== undefined) this.#queue.push(tooLargeResponse(id, dropping.bytes, this.limit));
      return;
    }
    const line = this.#partial.length === 1 ? this.#partial[0]!.toString('utf8') : Buffer.concat(this.#partial).toString('utf8');
    this.#partial = [];
    this.#size = 0;
    // An empty line between messages is no message (the SDK's buffer threw on it and logged).
    if (line.trim() === '') return;
    if (!answerTooDeep(line)) return void this.#queue.push(line);
    const answer = droppedTooDeep(line, this.onDropped);
    if (answer !== undefined) this.#queue.push(answer);
  }
}
