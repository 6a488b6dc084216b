import { TransientMap } from '../transient-tables.ts';

/**
 * The JSON-RPC ids of requests still open in each HTTP session (issue 13, hole 8). The SDK's
 * Streamable HTTP transport routes a response by id alone: a second request reusing an open id
 * took over the first one's stream, and the first answer was lost. The check has to come before
 * that transport sees the message. 1 and "1" are different ids (transient-tables.ts, which also
 * says why not a Set).
 */
export class OpenRequestIds {
  readonly #bySession = new Map<string, TransientMap<true>>();

  /** Marks `id` open in `session`; false when it already is (the caller refuses the request). */
  claim(session: string, id: string | number): boolean {
    let ids = this.#bySession.get(session);
    if (!ids) this.#bySession.set(session, (ids = new TransientMap()));
    if (ids.get(id) === true) return false;
    ids.set(id, true);
    return true;
  }

  release(session: string, id: string | number): void {
    this.#bySession.get(session)?.delete(id);
  }

  forget(session: string): void {
    this.#bySession.delete(session);
  }
}
