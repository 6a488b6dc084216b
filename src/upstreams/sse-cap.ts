import { type DroppedMessage, HEAD, keepTail, responseIdOf, startDropped } from '../dropped-line.ts';
import { answerTooDeep, tooLargeResponse } from './own-answers.ts';
import { type Dropped, droppedTooDeep } from './result-cap.ts';

/**
 * `max_result_bytes` for a legacy SSE upstream. The SDK's SSEClientTransport reads each event
 * whole (the `eventsource` package), so the cap is applied to the event stream before the SDK
 * sees it, as the stdio line buffer and the Streamable HTTP reader apply it: an event is held
 * until the blank line that ends it (the SSE parser dispatches nothing sooner), at most `limit`
 * bytes; past that only the first and last bytes of its data are kept, and the event is replaced
 * by the "too large" answer for its id (result-cap.ts), or dropped when it is no response (a
 * notification or a request of the upstream's own). Every message kind is capped, errors too,
 * and an event nesting deeper than MAX_ANSWER_DEPTH is replaced the same way (own-answers.ts).
 */
const LF = 10;
const CR = 13;

/**
 * The shortest `retry` an upstream's event stream may ask for (here and in http-transport.ts): a
 * stream answered with `retry: 0` and ended at once was reopened at once, over and over (hundreds
 * of requests a second, a busy core, for good).
 */
export const MIN_RETRY_MS = 250;
const RETRY_FIELD = /^retry:[ ]?(\d+)(\r?)$/gm;

/** An event's `retry` field raised to MIN_RETRY_MS (the SSE client reconnects after it). */
function slowerRetry(text: string): string {
  return text.replace(RETRY_FIELD, (field, ms: string, cr: string) => (Number(ms) < MIN_RETRY_MS ? `retry: ${MIN_RETRY_MS}${cr}` : field));
}

/** Where the JSON-RPC message begins: after `data:` (and its optional space) in `event: message\ndata: {...}`. */
function dataStart(held: Buffer): number {
  const field = held.subarray(0, HEAD * 4).indexOf('data:');
  const from = field === -1 ? 0 : field + 5;
  return held[from] === 32 ? from + 1 : from;
}

export function cappedEventStream(limit: number, onDropped: (dropped: Dropped) => void): TransformStream<Uint8Array, Uint8Array> {
  let event: Buffer[] = [];
  let size = 0;
  let lineBytes = 0;
  let lastByte = -1;
  let dropping: DroppedMessage | undefined;

  const startDropping = (): void => {
    const held = Buffer.concat(event);
    const from = dataStart(held);
    dropping = startDropped(held.subarray(from, from + HEAD).toString('utf8'), held);
    event = [];
    size = 0;
  };

  const endEvent = (controller: TransformStreamDefaultController<Uint8Array>): void => {
    if (dropping === undefined) {
      const whole = Buffer.concat(event);
      const text = whole.toString('utf8');
      if (!answerTooDeep(text)) controller.enqueue(text.includes('retry:') ? Buffer.from(slowerRetry(text)) : whole);
      else {
        const answer = droppedTooDeep(whole.subarray(dataStart(whole)).toString('utf8'), onDropped);
        if (answer !== undefined) controller.enqueue(Buffer.from(`event: message\ndata: ${JSON.stringify(answer)}\n\n`));
      }
    } else {
      const id = responseIdOf(dropping.head, dropping.tail.toString('utf8'));
      onDropped({ bytes: dropping.bytes, id });
      if (id !== undefined) controller.enqueue(Buffer.from(`event: message\ndata: ${JSON.stringify(tooLargeResponse(id, dropping.bytes, limit))}\n\n`));
      dropping = undefined;
    }
    event = [];
    size = 0;
  };

  return new TransformStream({
    transform(chunk, controller) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let start = 0;
      while (start < bytes.length) {
        const newline = bytes.indexOf(LF, start);
        const piece = bytes.subarray(start, newline === -1 ? bytes.length : newline + 1);
        if (dropping) {
          keepTail(dropping, piece);
        } else {
          // Copied: the stream may reuse the chunk's memory once we return.
          event.push(Buffer.from(piece));
          size += piece.length;
          if (size > limit) startDropping();
        }
        if (newline === -1) {
          lineBytes += piece.length;
          lastByte = bytes[bytes.length - 1]!;
          return;
        }
        const before = newline > start ? bytes[newline - 1]! : lastByte;
        const blank = lineBytes + piece.length === 1 || (lineBytes + piece.length === 2 && before === CR);
        lineBytes = 0;
        lastByte = LF;
        if (blank) endEvent(controller);
        start = newline + 1;
      }
    },
  });
}

/**
 * A `fetch` for the SDK's SSE client transport whose event streams are capped (above). The
 * response keeps its `url` and `redirected`, which the SSE reader resolves the endpoint by.
 */
export function fetchCappingEventStreams(base: typeof fetch, limit: number, onDropped: (dropped: Dropped) => void): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.body === null || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) return response;
    const capped = new Response(response.body.pipeThrough(cappedEventStream(limit, onDropped)), { status: response.status, statusText: response.statusText, headers: response.headers });
    return Object.defineProperties(capped, { url: { value: response.url }, redirected: { value: response.redirected } });
  };
}
