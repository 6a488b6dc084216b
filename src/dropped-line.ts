/**
 * A JSON-RPC message too large to hold, dropped while it is read (upstream results over
 * `max_result_bytes`, client lines over `server.max_body_bytes` on stdio): only its first and
 * last bytes are kept, enough to tell which message it was and to answer it.
 */

/** How much of a dropped message's start and end is kept, to read its id. */
export const HEAD = 512;
const TAIL = 128;

/** What a message being dropped keeps of itself: the first bytes, and the last ones as they come. */
export interface DroppedMessage {
  head: string;
  tail: Buffer;
  bytes: number;
}

export function startDropped(head: string, held: Buffer): DroppedMessage {
  return { head, tail: Buffer.from(held.subarray(-TAIL)), bytes: held.length };
}

export function keepTail(dropping: DroppedMessage, piece: Buffer): void {
  dropping.bytes += piece.length;
  dropping.tail = piece.length >= TAIL ? Buffer.from(piece.subarray(-TAIL)) : Buffer.concat([dropping.tail, piece]).subarray(-TAIL);
}

const SCALAR = String.raw`(?:"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)`;
/** The leading scalar members of the top-level object, then the first structured one's key. */
const LEADING = new RegExp(String.raw`^\s*\{\s*((?:"[A-Za-z_]+"\s*:\s*${SCALAR}\s*,\s*)*)"(result|error|method|params)"`);
const ID_MEMBER = new RegExp(String.raw`"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)`);
/** `"id":N}` at the very end: the last member of the top-level object (its brace closes the line). */
const TRAILING_ID = new RegExp(String.raw`"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*\}\s*$`);

/**
 * What a dropped message was: a response when its top-level object holds `result` or `error`
 * first among its structured members, else a request or notification (`params`, or a `method`
 * read as the key). Its id is among the leading scalar members (`{"jsonrpc","id",...}`) or the
 * very last one (the TypeScript SDK writes `{"result":...,"jsonrpc":"2.0","id":7}`); an `id`
 * nested deeper is never taken for it. Undefined when the head is no JSON-RPC object.
 */
export function droppedMessageOf(head: string, tail: string): { response: boolean; id: string | number | undefined } | undefined {
  const leading = LEADING.exec(head);
  if (!leading) return undefined;
  const raw = ID_MEMBER.exec(leading[1]!)?.[1] ?? TRAILING_ID.exec(tail)?.[1];
  const id = raw === undefined ? undefined : raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw);
  return { response: leading[2] === 'result' || leading[2] === 'error', id };
}

/**
 * Which response a dropped upstream line was: only a response's id (a huge server->client
 * request must not fail one of our own calls that happens to share its id).
 */
export function responseIdOf(head: string, tail: string): string | number | undefined {
  const message = droppedMessageOf(head, tail);
  return message?.response ? message.id : undefined;
}
