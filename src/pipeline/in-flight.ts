import type { Recorded, SessionInfo } from './context.ts';

/** A forwarded call: its server->client requests are decided and audited in its name. */
export interface InFlightCall {
  session: SessionInfo;
  requestId: string | number;
  call: Pick<Recorded, 'method' | 'principal' | 'target' | 'decision' | 'workflow' | 'logs'>;
}

/**
 * A call as the registry holds it. A server->client request travels with the call that carries
 * it (over HTTP, on that call's response stream): once the call ends nothing can answer it, so
 * `ended` aborts the relayed request instead of leaving the upstream waiting forever.
 */
interface CarryingCall extends InFlightCall {
  readonly ended: AbortSignal;
}

/**
 * Forwarded calls still waiting for their upstream, by upstream. A server->client request
 * (sampling, elicitation, roots) carries nothing that names the call that caused it, so it goes
 * to the only session with calls in flight on that upstream; when several sessions have, the
 * gateway refuses rather than risk showing one client's prompt to another.
 */
export class InFlight {
  readonly #byUpstream = new Map<string, Set<CarryingCall>>();

  add(upstream: string, call: InFlightCall): () => void {
    let calls = this.#byUpstream.get(upstream);
    if (!calls) this.#byUpstream.set(upstream, (calls = new Set()));
    // Made on first use: only a call whose upstream sends a server->client request needs it,
    // and a controller per call (made, then aborted) was ~2.5% of the gateway's CPU under load.
    let ended: AbortController | undefined;
    let over = false;
    const end = (controller: AbortController) => controller.abort(new Error('the call that carried this request has ended'));
    const held: CarryingCall = {
      ...call,
      get ended() {
        if (ended === undefined) {
          ended = new AbortController();
          if (over) end(ended);
        }
        return ended.signal;
      },
    };
    calls.add(held);
    return () => {
      calls.delete(held);
      over = true;
      if (ended !== undefined) end(ended);
    };
  }

  /** The newest call of the single session with calls on `upstream`, else undefined. */
  ownerOf(upstream: string): CarryingCall | undefined {
    const calls = [...(this.#byUpstream.get(upstream) ?? [])];
    const sessions = new Set(calls.map((c) => c.session.id));
    return sessions.size === 1 ? calls.at(-1) : undefined;
  }

  get size(): number {
    let n = 0;
    for (const calls of this.#byUpstream.values()) n += calls.size;
    return n;
  }
}
