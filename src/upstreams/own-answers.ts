import { randomUUID } from 'node:crypto';
import { type JSONRPCMessage, ProtocolError } from '@modelcontextprotocol/client';
import { MAX_JSON_DEPTH_LIMIT, nestsDeeperThan } from '../json-depth.ts';

/**
 * Answers a transport gives the SDK Client for a request the upstream's own answer cannot
 * settle: an error response for that id carrying a mark only this process knows, so an upstream
 * cannot forge one for another call. upstreamCallError (call-errors.ts) reads the mark.
 */
const MARK = randomUUID();

/** `max_result_bytes`: the answer was dropped while it was read (RESULT_TOO_LARGE). */
export function tooLargeResponse(id: string | number, bytes: number, limit: number): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code: -32005, message: `result of ${bytes} bytes or more exceeds ${limit}`, data: { mark: MARK, bytes, limit } } };
}

/** The limit, when the error is our own "too large" answer. */
export function tooLargeLimit(error: unknown): number | undefined {
  const data = ownData(error);
  return typeof data?.limit === 'number' ? data.limit : undefined;
}

/**
 * How deeply an upstream's message may nest objects and arrays: as deep as the most
 * `server.max_json_depth` lets a request nest. A deeper one is dropped as it is read, on every
 * transport, like one over max_result_bytes: a tool list whose schema nested 20,000 levels
 * overflowed the stack where the gateway pins definitions and stopped it at start, and a result
 * that deep could not be written to the caller (INTERNAL, without the request's id).
 */
export const MAX_ANSWER_DEPTH = MAX_JSON_DEPTH_LIMIT;

/** Whether an upstream message's text nests deeper than MAX_ANSWER_DEPTH. */
export function answerTooDeep(text: string): boolean {
  return nestsDeeperThan(text, MAX_ANSWER_DEPTH);
}

/** The answer to `id` was dropped for nesting too deep: the call fails now, naming why. */
export function tooDeepResponse(id: string | number): JSONRPCMessage {
  return unansweredResponse(id, `its answer nests objects and arrays deeper than ${MAX_ANSWER_DEPTH} levels`);
}

/**
 * The upstream's HTTP answer to the request is over and held no JSON-RPC response for it (a
 * 202, an empty or malformed body, a stream that ended): the call fails now, not at its timeout.
 */
export function unansweredResponse(id: string | number, reason: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code: -32603, message: reason, data: { mark: MARK, unanswered: reason } } };
}

/** Why, when the error is our own "unanswered" answer. */
export function unansweredReason(error: unknown): string | undefined {
  const data = ownData(error);
  return typeof data?.unanswered === 'string' ? data.unanswered : undefined;
}

function ownData(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof ProtocolError)) return undefined;
  const data = error.data as Record<string, unknown> | undefined;
  return data?.mark === MARK ? data : undefined;
}
