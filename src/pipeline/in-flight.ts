import type { Recorded, SessionInfo } from './context.ts';
import { TransientSet } from '../transient-tables.ts';

/** A forwarded call: its server->client requests are decided and audited in its name. */
export interface InFlightCall {
  session: SessionInfo;
  requestId: string | number;
  call: Pick<Recorded, 'method' | 'principal' | 'target' | 'decision' | 'workflow' | 'logs'>;
}

/**
 * A call as the registry holds it. A server->client request travels with the call that carries
 * it (over HTTP, on that call's response stream): once the call ends nothing can answer it, so
 * `ended` aborts the relayed request instead of leaving the upstream waiting forever. `ended` is
 * made on first use: only a call whose upstream sends a server->client request needs it, and a
 * controller per call (made, then aborted) was ~2.5% of the gateway's CPU under load.
 *
 * A class rather than `{ ...call, get ended() {} }`: on Node 20 a copy of an object that then
 * gains properties gets a hidden class of its own every time (own.ts, copyWith).
 */
class HeldCall implements InFlightCall {
  readonly session: SessionInfo;
  readonly requestId: string | number;
  readonly call: InFlightCall['call'];
  /** Order of arrival: the registry keeps none (transient-tables.ts). */
  readonly serial: number;
  #ended: AbortController | undefined;
  #over = false;

  constructor(call: InFlightCall, serial: number) {
    this.session = call.session;
    this.requestId = call.requestId;
    this.call = call.call;
    this.serial = serial;
  }

  get ended(): AbortSignal {
    if (this.#ended === undefined) {
      this.#ended = new AbortController();
      if (this.#over) HeldCall.#end(this.#ended);
    }
    return this.#ended.signal;
  }

  over(): void {
    this.#over = true;
    if (this.#ended !== undefined) HeldCall.#end(this.#ended);
  }

  static #end(controller: AbortController): void {
    controller.abort(new Error('the call that carried this request has ended'));
  }
}

/**
 * Forwarded calls still waiting for their upstream, by upstream. A server->client request
 * (sampling, elicitation, roots) carries nothing that names the call that caused it, so it goes
 * to the only session with calls in flight on that upstream; when several sessions have, the
 * gateway refuses rather than risk showing one client's prompt to another.
 */
export class InFlight {
  readonly #byUpstream = new Map<string, TransientSet<HeldCall>>();
  #serial = 0;

  add(upstream: string, call: InFlightCall): () => void {
    let calls = this.#byUpstream.get(upstream);
    if (!calls) this.#byUpstream.set(upstream, (calls = new TransientSet()));
    const held = new HeldCall(call, ++this.#serial);
    const handle = calls.add(held);
    return () => {
      calls.delete(handle);
      held.over();
    };
  }

  /** The newest call of the single session with calls on `upstream`, else undefined. */
  ownerOf(upstream: string): HeldCall | undefined {
    const calls = this.#byUpstream.get(upstream)?.values() ?? [];
    const sessions = new Set(calls.map((c) => c.session.id));
    if (sessions.size !== 1) return undefined;
    return calls.reduce((newest, c) => (c.serial > newest.serial ? c : newest));
  }

  get size(): number {
    let n = 0;
    for (const calls of this.#byUpstream.values()) n += calls.size;
    return n;
  }
}
