/**
 * A `fetch` for the SDK's HTTP client transports that gives every request its own AbortSignal.
 *
 * Why: the SDK passes its transport-long AbortSignal (aborted only on close) to every fetch, and
 * undici's Request adds an abort listener to it that is removed only when that Request is garbage
 * collected. Under load thousands pile up on one signal: Node prints MaxListenersExceededWarning
 * (hundreds of lines per bench run at 32 in flight over HTTP) and every further addEventListener
 * walks the whole list. Here the long-lived signal gets one listener per signal, which aborts the
 * requests still open when the transport closes; each request's own controller leaves that set
 * when its answer is complete (a JSON body) or its event stream ends.
 */
type Fetch = typeof fetch;

export function fetchWithRequestSignals(base: Fetch = fetch): Fetch {
  const open = new WeakMap<AbortSignal, Set<AbortController>>();

  const track = (outer: AbortSignal): Set<AbortController> => {
    let controllers = open.get(outer);
    if (controllers === undefined) {
      const set = new Set<AbortController>();
      controllers = set;
      open.set(outer, set);
      outer.addEventListener(
        'abort',
        () => {
          for (const controller of set) controller.abort(outer.reason);
          set.clear();
        },
        { once: true },
      );
    }
    return controllers;
  };

  return async (input, init) => {
    const outer = init?.signal;
    if (!outer || outer.aborted) return base(input, init);
    const controllers = track(outer);
    const controller = new AbortController();
    controllers.add(controller);
    const done = (): void => void controllers.delete(controller);
    let response: Response;
    try {
      response = await base(input, { ...init, signal: controller.signal });
    } catch (error) {
      done();
      throw error;
    }
    const body = response.body;
    if (body === null || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // A JSON answer is already on its way in; only a stream stays open long enough to need closing.
      done();
      return response;
    }
    // An event stream stays abortable until it ends (a stream the reader cancels stays in the
    // set until the transport closes, which clears it). A redirected one is returned as it came:
    // a new Response would lose `url` and `redirected`, which the SSE reader reconnects by.
    if (response.redirected) return response;
    const watched = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: done }));
    return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
