import { type Client, type JSONRPCMessage, ProtocolError, type Result, SdkError, SdkErrorCode, type Transport } from '@modelcontextprotocol/client';
import { TransientMap } from '../transient-tables.ts';

/**
 * A request to an upstream sent by the gateway itself, not through the SDK Client's request
 * machinery: the same bytes on the wire and the same decoding, with none of the per-request
 * bookkeeping the gateway does not need (a response-handler map and timeout of the SDK's own, an
 * abort listener, the JSON-RPC shape checked twice more with zod, an async schema pass over a
 * result that is relayed as it came). That machinery was about a tenth of the gateway's CPU per
 * call on its main path (bench/http.bench.ts profile, 2026-12-07). The caller's own deadline and
 * cancellation stay in connection.ts.
 *
 * What stays the SDK's, so the two paths cannot drift: the envelope of the new era
 * (`_envelopeOutbound`: the negotiated version, client info and capabilities, the request's own
 * `_meta` keys winning; nothing in the old era), the era's method table, and `decodeResult`
 * (the new era's resultType discrimination and result schemas, `resultType` lifted off a complete
 * result). They are Client internals; `DirectRequests.for` refuses to start, by name, if an SDK
 * update took them away (the versions are pinned). What the SDK then checks of any result, that
 * it is an object, is checked here.
 */
interface WireCodec {
  hasRequestMethod(method: string): boolean;
  decodeResult(method: string, raw: unknown): Decoded;
}

type Decoded =
  | { kind: 'complete'; result: Result }
  | { kind: 'input_required'; inputRequests: Record<string, unknown>; requestState?: string; _meta?: Record<string, unknown> }
  | { kind: 'invalid'; error: Error };

interface ClientInternals {
  _wireCodec(): WireCodec;
  _envelopeOutbound<M extends JSONRPCMessage>(message: M): M;
}

type Answer = { result: Result } | { error: { code: number; message: string; data?: unknown } };

/** Our ids are strings (`warden:N`): the SDK's own requests use numbers, so the two never collide. */
const PREFIX = 'warden:';

export class DirectRequests {
  readonly #client: ClientInternals;
  readonly #transport: Transport;
  /** Settlers by request id (transient-tables.ts: not a Map). */
  readonly #waiting = new TransientMap<(answer: Answer | Error) => void>();
  #ids = 0;

  private constructor(client: ClientInternals, transport: Transport) {
    this.#client = client;
    this.#transport = transport;
  }

  /** For a connected Client; throws when the SDK no longer has the internals used here. */
  static for(client: Client, transport: Transport): DirectRequests {
    const internals = client as unknown as Partial<ClientInternals>;
    if (typeof internals._wireCodec !== 'function' || typeof internals._envelopeOutbound !== 'function') {
      throw new Error('the MCP SDK Client no longer has _wireCodec/_envelopeOutbound: new-era requests cannot be sent directly');
    }
    return new DirectRequests(internals as ClientInternals, transport);
  }

  /** Whether `method` is one of the negotiated era's requests (others go through the SDK, which refuses or extends). */
  handles(method: string): boolean {
    return this.#client._wireCodec().hasRequestMethod(method);
  }

  /**
   * Sends one request. `onCancel` receives the function that gives it up (the caller's abort or
   * the deadline): the upstream is told with `notifications/cancelled`, and the promise rejects
   * with the reason. An `input_required` result is returned as the SDK's manual mode returns it;
   * a task handle (`resultType: "task"`, the tasks extension) as it came.
   */
  send(method: string, params: Record<string, unknown> | undefined, onCancel: (cancel: (reason: unknown) => void) => void): Promise<Result> {
    const id = `${PREFIX}${++this.#ids}`;
    const message = this.#client._envelopeOutbound({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) } as JSONRPCMessage);
    return new Promise<Result>((resolve, reject) => {
      this.#waiting.set(id, (answer) => {
        if (answer instanceof Error) return reject(answer);
        if ('error' in answer) return reject(ProtocolError.fromError(answer.error.code, answer.error.message, answer.error.data));
        try {
          resolve(this.#decode(method, answer.result));
        } catch (error) {
          reject(error);
        }
      });
      onCancel((reason) => {
        if (!this.#waiting.delete(id)) return;
        const cancelled = this.#client._envelopeOutbound({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } } as JSONRPCMessage);
        this.#transport.send(cancelled).catch(() => undefined);
        reject(reason instanceof Error ? reason : new SdkError(SdkErrorCode.RequestTimeout, String(reason)));
      });
      this.#transport.send(message).catch((error: unknown) => {
        if (this.#waiting.delete(id)) reject(error);
      });
    });
  }

  /** Takes an answer to one of our requests off the transport (true), before the SDK would see it. */
  take(message: JSONRPCMessage): boolean {
    if ('method' in message || !('id' in message) || typeof message.id !== 'string' || !message.id.startsWith(PREFIX)) return false;
    // A late answer to a request given up on is dropped here, as the SDK drops its own.
    const settle = this.#waiting.get(message.id);
    this.#waiting.delete(message.id);
    settle?.(message as Answer);
    return true;
  }

  /** The connection closed: every request still waiting fails as the SDK's would. */
  closed(): void {
    const waiting = this.#waiting.values();
    this.#waiting.clear();
    for (const settle of waiting) settle(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
  }

  #decode(method: string, raw: unknown): Result {
    if (raw !== null && typeof raw === 'object' && (raw as { resultType?: unknown }).resultType === 'task') return raw as Result;
    const decoded = this.#client._wireCodec().decodeResult(method, raw);
    if (decoded.kind === 'complete') {
      const { result } = decoded;
      if (result === null || typeof result !== 'object' || Array.isArray(result)) throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: not an object`);
      return result;
    }
    if (decoded.kind === 'input_required') {
      const { inputRequests, requestState, _meta } = decoded;
      return { resultType: 'input_required', inputRequests, ...(requestState === undefined ? {} : { requestState }), ...(_meta === undefined ? {} : { _meta }) };
    }
    throw decoded.error;
  }
}
