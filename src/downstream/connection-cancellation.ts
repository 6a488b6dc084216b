import type { Socket } from 'node:net';

/**
 * Cancellation of new-era requests over HTTP. The spec's cancellation there is the client
 * closing the request's stream, and over HTTP/1.1 a client can only close the connection, which
 * ends every request still unanswered on it. So the requests of one connection share one
 * AbortController, aborted when the connection closes while one of them is unanswered.
 *
 * Why not a controller per request: on Node 20 every new AbortSignal gets a hidden class of its
 * own and carries ~0.5 KB per call into the old generation (64 -> 3-7 KB promoted per scavenge at
 * 32 in flight; the CPU per call moved 0.91-1.03x in four side-by-side runs, within their noise:
 * bench/promotion.ts, bench/http-ab.ts, README "Performance").
 * What a shared signal changes: a request answered earlier on a connection that is later closed
 * with another request unanswered sees its signal aborted too; everything a request reads of its
 * signal (the upstream call, the outcome it records) happens before its answer is written.
 */
class ConnectionCancellation {
  readonly #controller = new AbortController();
  #unanswered = 0;

  /** `socket` null: the connection is already gone, and so is every request on it. */
  constructor(socket: Socket | null) {
    if (socket === null || socket.destroyed) this.#controller.abort();
    else socket.once('close', () => {
      if (this.#unanswered > 0) this.#controller.abort();
    });
  }

  /** A request starts on the connection: its signal. Call `answered` when its answer is written. */
  begin(): AbortSignal {
    this.#unanswered += 1;
    return this.#controller.signal;
  }

  answered(): void {
    this.#unanswered -= 1;
  }
}

const byConnection = new WeakMap<Socket, ConnectionCancellation>();

/** The cancellation every request on `socket` shares. */
export function connectionCancellation(socket: Socket | null): ConnectionCancellation {
  if (socket === null) return new ConnectionCancellation(null);
  let cancellation = byConnection.get(socket);
  if (cancellation === undefined) byConnection.set(socket, (cancellation = new ConnectionCancellation(socket)));
  return cancellation;
}
