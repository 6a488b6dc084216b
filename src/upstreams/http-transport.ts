import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type JSONRPCMessage, SdkErrorCode, SdkHttpError, type Transport } from '@modelcontextprotocol/client';
import { JSONRPCMessageSchema, JSONRPCResultResponseSchema } from '@modelcontextprotocol/core';
import { createParser } from 'eventsource-parser';
import { modernRequestHeaders } from './mcp-headers.ts';
import { TransientMap, TransientSet } from '../transient-tables.ts';
import { answerTooDeep, tooDeepResponse, tooLargeResponse, unansweredResponse } from './own-answers.ts';
import { type Dropped, droppedTooDeep } from './result-cap.ts';
import { MIN_RETRY_MS } from './sse-cap.ts';

/**
 * The client side of Streamable HTTP (MCP 2025-11-25) toward one upstream, on `node:http` with a
 * keep-alive Agent. The SDK's own transport goes through fetch (undici) and web streams; under
 * load that was the largest single cost in the gateway's profile (undici ~13%, web streams and
 * their transferables ~7% of the gateway's CPU at 32 in flight). This one POSTs each message,
 * reads a JSON answer or an SSE stream (eventsource-parser), keeps the session id and protocol
 * version headers, and opens the optional GET stream for the upstream's own notifications.
 * A stream that ends before its response, after the upstream gave it an event id, is resumed
 * with GET + Last-Event-ID after the upstream's `retry` (SEP-1699: servers may close a POST's
 * stream mid-call). A 404 on a session means the upstream forgot it: the transport closes, and
 * the connection manager reconnects with a new session.
 *
 * The new era (2026-07-28) on the same transport: a message that carries the per-request
 * envelope gets the headers it must mirror (mcp-headers.ts) and no session. A refusal is thrown
 * as the SDK's SdkHttpError with status and body, which the v2 Client reads to tell an old-era
 * upstream's answer to `server/discover` (a 400 or 404) from an outage.
 */
interface HttpTransportOptions {
  headers: Record<string, string>;
  /** max_result_bytes: a larger JSON answer or SSE event is dropped while read (result-cap.ts). */
  maxMessageBytes: number;
  onDropped: (dropped: Dropped) => void;
}

type Request = typeof httpRequest;

/** Resuming a stream: the upstream's `retry` when it sent one, else this; at most this many failed tries in a row. */
const DEFAULT_RETRY_MS = 1_000;
const MAX_RESUME_ATTEMPTS = 2;

export class NodeHttpClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  sessionId?: string;

  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #limit: number;
  readonly #onDropped: (dropped: Dropped) => void;
  readonly #agent: HttpAgent;
  readonly #request: Request;
  /** Requests and responses still open, closed with the transport (transient-tables.ts: not a Set). */
  readonly #open = new TransientSet<{ destroy(): void }>();
  /**
   * POSTs still waiting for their answer, by request id. When the gateway cancels one (the
   * caller's abort or its deadline, sent as notifications/cancelled), the upstream never answers
   * it (the MCP SDK server drops a cancelled request's response), so its POST would hold a socket
   * open for good: the soak counted one more fd per timed-out call. It is closed once the
   * cancellation went out.
   */
  readonly #awaiting = new TransientMap<Abandonable>();
  #protocolVersion: string | undefined;
  #retryMs = DEFAULT_RETRY_MS;
  #closed = false;

  constructor(url: URL, options: HttpTransportOptions) {
    this.#url = url;
    this.#headers = options.headers;
    this.#limit = options.maxMessageBytes;
    this.#onDropped = options.onDropped;
    const https = url.protocol === 'https:';
    this.#agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#request = (https ? httpsRequest : httpRequest) as Request;
  }

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error('transport closed');
    const cancelled = cancelledRequestId(message);
    try {
      await this.#post(message);
    } finally {
      if (cancelled !== undefined) this.#awaiting.get(cancelled)?.abandon();
    }
  }

  async #post(message: JSONRPCMessage): Promise<void> {
    const payload = JSON.stringify(message);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(Buffer.byteLength(payload)) };
    const modern = modernRequestHeaders(message);
    const requestId = 'method' in message && 'id' in message ? message.id : undefined;
    const res = await this.#exchange('POST', withTraceHeaders(modern === undefined ? headers : Object.assign(headers, modern), message), payload, requestId);
    const sessionId = res.headers['mcp-session-id'];
    if (typeof sessionId === 'string') this.sessionId = sessionId;
    const status = res.statusCode ?? 0;
    if (status === 202) {
      res.resume();
      if (requestId !== undefined) return this.#unanswered(requestId, 'HTTP 202 with no response to the request');
      // An initialized notification opens the upstream's own stream (its notifications and requests).
      if ('method' in message && message.method === 'notifications/initialized') this.#openEventStream();
      return;
    }
    if (status === 404 && this.sessionId !== undefined) {
      res.resume();
      void this.close();
      throw new Error('the upstream no longer knows this session (404)');
    }
    if (status < 200 || status >= 300) {
      const text = String(await readText(res, 4096));
      if (this.#answeredWithError(message, modern !== undefined, text)) return;
      throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `HTTP ${status} from upstream: ${text.slice(0, 200)}`, { status, statusText: res.statusMessage ?? '', text });
    }
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith('text/event-stream')) return void this.#readEvents(res, false, requestId);
    if (type.startsWith('application/json')) {
      const text = await readText(res, this.#limit);
      if (typeof text === 'number') return this.#dropped(text, requestId);
      if (answerTooDeep(text)) {
        if (!this.#droppedTooDeep(text, requestId) && requestId !== undefined) this.#unanswered(requestId, 'its answer held no JSON-RPC response to the request');
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return requestId === undefined ? this.onerror?.(new Error('the upstream answered with a body that is no JSON')) : this.#unanswered(requestId, 'its answer is no JSON');
      }
      let answered = false;
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) answered = this.#deliverAnswer(item, requestId) || answered;
      if (requestId !== undefined && !answered) this.#unanswered(requestId, 'its answer held no JSON-RPC response to the request');
      return;
    }
    res.resume();
    if (requestId !== undefined) this.#unanswered(requestId, `HTTP ${status} answer of type "${type}" with no response to the request`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const req of this.#open.values()) req.destroy();
    this.#open.clear();
    this.#agent.destroy();
    this.onclose?.();
  }

  /**
   * A new-era request refused with a 4xx whose body is the JSON-RPC error for it (a -32601 is 404,
   * a -32021 is 400, MCP 2026-07-28): that error is the answer, delivered like any other, so the
   * caller sees the upstream's code and not an outage. `server/discover` is the exception: the
   * v2 Client reads its refusal's HTTP status to fall back to the old era.
   */
  #answeredWithError(message: JSONRPCMessage, modern: boolean, text: string): boolean {
    if (!modern || !('method' in message) || !('id' in message) || message.method === 'server/discover' || answerTooDeep(text)) return false;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return false;
    }
    const parsed = parseUpstreamMessage(body);
    if (!parsed.success || !('error' in parsed.data) || parsed.data.id !== message.id) return false;
    this.onmessage?.(parsed.data);
    return true;
  }

  /** An answer over the cap was cut off unread: its request gets the "too large" error. */
  #dropped(bytes: number, requestId: string | number | undefined): void {
    this.#onDropped({ bytes, id: requestId });
    if (requestId !== undefined) this.onmessage?.(tooLargeResponse(requestId, bytes, this.#limit));
  }

  /**
   * A message nested too deep was dropped unparsed. On a POST's answer it is taken for the answer
   * when its id is the request's (the call fails, naming why) or when no id can be read (nothing
   * else will answer it); true when the request was answered.
   */
  #droppedTooDeep(text: string, requestId: string | number | undefined): boolean {
    const answer = droppedTooDeep(text, this.#onDropped);
    const answers = requestId !== undefined && (answer === undefined || ('id' in answer && answer.id === requestId));
    if (answers) this.onmessage?.(tooDeepResponse(requestId));
    return answers;
  }

  /** One message from the upstream, or undefined when it is none (reported as the upstream's error). */
  #message(value: unknown): JSONRPCMessage | undefined {
    const parsed = parseUpstreamMessage(value);
    if (!parsed.success) this.onerror?.(new Error(`invalid JSON-RPC message from upstream: ${parsed.error.message}`));
    return parsed.data;
  }

  /** A message of the GET stream (or a POST stream resumed on it): delivered whatever it is. */
  #deliver(value: unknown): void {
    const message = this.#message(value);
    if (message !== undefined) this.onmessage?.(message);
  }

  /**
   * A message of the answer to one POST (its JSON body or its event stream): a response there is
   * delivered only when it answers that POST's request. One with another id would settle another
   * call, perhaps another caller's, with this one's data: it is dropped as the upstream's error.
   * Requests and notifications go on. True when `requestId` was answered.
   */
  #deliverAnswer(value: unknown, requestId: string | number | undefined): boolean {
    const message = this.#message(value);
    if (message === undefined) return false;
    const answers = !('method' in message) && requestId !== undefined && message.id === requestId;
    if ('method' in message || answers) this.onmessage?.(message);
    else this.onerror?.(new Error(`the upstream answered request ${JSON.stringify(requestId ?? null)} with a response for ${JSON.stringify(message.id)}; dropped`));
    return answers;
  }

  /** The upstream's answer to `requestId` is over without a response for it: the call fails now rather than at its timeout. */
  #unanswered(requestId: string | number, reason: string): void {
    this.onmessage?.(unansweredResponse(requestId, reason));
  }

  /**
   * Delivers a stream's events. `standalone`: the GET stream, resumed whenever it ends; a POST's
   * stream is resumed only when it ends after an event id and before any response.
   */
  #readEvents(res: IncomingMessage, standalone: boolean, requestId?: string | number): void {
    const request = requestId === undefined ? undefined : this.#awaiting.get(requestId);
    let lastEventId: string | undefined;
    let answered = false;
    // Bytes fed since the last complete event: the parser holds at most this much of one event.
    let pending = 0;
    const parser = createParser({
      onRetry: (ms) => {
        this.#retryMs = Math.max(ms, MIN_RETRY_MS);
      },
      onEvent: (event) => {
        pending = 0;
        if (event.id !== undefined) lastEventId = event.id;
        // Priming events and keep-alives carry no data.
        if (event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
        if (answerTooDeep(event.data)) return void (answered = this.#droppedTooDeep(event.data, standalone ? undefined : requestId) || answered);
        let message: unknown;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return this.onerror?.(error as Error);
        }
        if (standalone) this.#deliver(message);
        else answered = this.#deliverAnswer(message, requestId) || answered;
      },
    });
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      if (this.#closed || answered || request?.abandoned === true) return;
      if (standalone || lastEventId !== undefined) this.#resume(lastEventId, 0);
      else if (requestId !== undefined) this.#unanswered(requestId, 'its event stream ended with no response to the request');
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (ended) return;
      pending += Buffer.byteLength(chunk);
      parser.feed(chunk);
      if (pending <= this.#limit) return;
      // Over the cap: stop reading. A POST's stream answers its request with the error; the
      // GET stream is not resumed (it would replay the same event).
      ended = true;
      res.destroy();
      if (!answered && requestId !== undefined) this.#dropped(pending, requestId);
      else this.#onDropped({ bytes: pending, id: undefined });
    });
    res.once('end', done);
    res.once('error', (error) => {
      if (!this.#closed && request?.abandoned !== true) this.onerror?.(error);
      done();
    });
  }

  /** The GET stream is optional (405 means the upstream has none). */
  #openEventStream(): void {
    this.#resume(undefined, 0, 0);
  }

  /** GET (+ Last-Event-ID) after the retry delay; the stream it opens is the standalone one from then on. */
  #resume(lastEventId: string | undefined, attempt: number, delayMs = this.#retryMs): void {
    if (attempt >= MAX_RESUME_ATTEMPTS) return void this.onerror?.(new Error(`resuming the upstream's event stream failed ${attempt} times`));
    const timer = setTimeout(() => {
      if (this.#closed) return;
      this.#exchange('GET', { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) }).then(
        (res) => {
          if (res.statusCode === 200 && String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) return this.#readEvents(res, true);
          res.resume();
          // 405: the upstream offers no GET stream, and nothing is lost.
          if (res.statusCode !== 405) this.#resume(lastEventId, attempt + 1);
        },
        (error: unknown) => {
          if (this.#closed) return;
          this.onerror?.(error as Error);
          this.#resume(lastEventId, attempt + 1);
        },
      );
    }, delayMs);
    timer.unref();
  }

  /** Registers a POST that waits for its answer; `abandon` closes it (see #awaiting). */
  #awaitAnswer(requestId: string | number, req: { destroy(): void; once(event: 'close', listener: () => void): unknown }): Abandonable {
    const entry: Abandonable = {
      abandoned: false,
      abandon: () => {
        entry.abandoned = true;
        this.#awaiting.delete(requestId);
        req.destroy();
      },
    };
    this.#awaiting.set(requestId, entry);
    req.once('close', () => {
      if (this.#awaiting.get(requestId) === entry) this.#awaiting.delete(requestId);
    });
    return entry;
  }

  #exchange(method: 'POST' | 'GET', headers: Record<string, string>, body?: string, requestId?: string | number, retried = false): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.#request(
        {
          agent: this.#agent,
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          path: `${this.#url.pathname}${this.#url.search}`,
          method,
          // The message's own headers last: a new-era request's version header is its body's.
          headers: {
            ...this.#headers,
            ...(this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId }),
            ...(this.#protocolVersion === undefined ? {} : { 'mcp-protocol-version': this.#protocolVersion }),
            ...headers,
          },
        },
        (res) => {
          const resOpen = this.#open.add(res);
          res.once('close', () => this.#open.delete(resOpen));
          resolve(res);
        },
      );
      const reqOpen = this.#open.add(req);
      req.once('close', () => this.#open.delete(reqOpen));
      const awaiting = requestId === undefined ? undefined : this.#awaitAnswer(requestId, req);
      req.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the upstream closed while idle resets on reuse, before the upstream
        // read anything: sent once more on a fresh socket (node:http docs, "reusedSocket"). Not a
        // request the gateway abandoned: its reset is our own doing.
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET' && !this.#closed && awaiting?.abandoned !== true) return resolve(this.#exchange(method, headers, body, requestId, true));
        reject(error);
      });
      req.end(body);
    });
  }
}

interface Abandonable {
  abandoned: boolean;
  abandon(): void;
}

/** The request a `notifications/cancelled` message gives up on. */
function cancelledRequestId(message: JSONRPCMessage): string | number | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled' || 'id' in message) return undefined;
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : undefined;
}

/** The body as text, or, past `limit` bytes, the count read so far (the rest is never read). */
function readText(res: IncomingMessage, limit = Infinity): Promise<string | number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      res.destroy();
      resolve(size);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/**
 * The W3C trace context the gateway put in a request's `_meta` goes in headers too, so an HTTP
 * upstream (or a proxy in front of it) that reads only `traceparent` headers joins the trace.
 */
function withTraceHeaders(headers: Record<string, string>, message: JSONRPCMessage): Record<string, string> {
  const meta = 'params' in message ? (message.params?._meta as Record<string, unknown> | undefined) : undefined;
  if (meta === undefined || typeof meta.traceparent !== 'string') return headers;
  headers.traceparent = meta.traceparent;
  if (typeof meta.tracestate === 'string') headers.tracestate = meta.tracestate;
  return headers;
}

/**
 * One message from the upstream, read as the SDK's JSON-RPC message schema reads it. Most are
 * results, read against that schema first: the union tries the request and notification shapes
 * before it, and their failures allocate their issues (1.0-1.2 against 0.35-0.55 µs a message in
 * a hot loop). A message without `method` can only be a response, so the answer is the same
 * (test/unit/upstreams/http-transport-parse.test.ts compares the two).
 */
export function parseUpstreamMessage(value: unknown): ReturnType<typeof JSONRPCMessageSchema.safeParse> {
  const resultShaped = typeof value === 'object' && value !== null && Object.hasOwn(value, 'result') && !Object.hasOwn(value, 'method');
  const result = resultShaped ? JSONRPCResultResponseSchema.safeParse(value) : undefined;
  return result?.success ? result : JSONRPCMessageSchema.safeParse(value);
}
