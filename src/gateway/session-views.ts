import type { Principal } from '../auth/index.ts';
import type { CatalogList } from '../catalog/index.ts';
import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Clock, ListViews, Pipeline, SessionInfo } from '../pipeline/index.ts';

/**
 * What each old-era (2025-11-25) session's client was last shown or told of its lists, so that a
 * catalog change sends `notifications/<list>/list_changed` only to the sessions whose principal's
 * view of that list changed, as listen streams already hear (listeners.ts). The views are the
 * pipeline's (`views`, the same questions a list asks, nothing recorded), taken off the request
 * path and one at a time per session, so two changes in a row are compared in order.
 *
 * A session that has not listed has nothing to refresh and hears nothing. Its baseline view is
 * taken after its first list is answered; a change that comes before that baseline is known, or
 * whose view cannot be decided (the token expired, the policy failed), is announced: a
 * list_changed only makes the client ask again, and what it then gets is filtered.
 */
interface Entry {
  /** The principal of the session's latest authenticated request (a session is bound to one). */
  principal: Principal | undefined;
  authenticated: boolean;
  /** The request the view questions are asked for: the session's first list (none yet: nothing to refresh). */
  asked?: { session: SessionInfo; requestId: string | number };
  /** The view its client was last shown or told of; undefined until the baseline is taken, or after a view failed. */
  lists?: ListViews;
  baseline: boolean;
  /** The change check not started yet: the lists it is for, and whether the view before them was known. */
  waiting?: { lists: Set<CatalogList>; known: boolean };
  pending: Promise<void>;
}

export class SessionViews<S> {
  readonly #entries = new Map<S, Entry>();
  readonly #pipeline: Pick<Pipeline, 'views'>;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(pipeline: Pick<Pipeline, 'views'>, clock: Clock, log: Logger) {
    this.#pipeline = pipeline;
    this.#clock = clock;
    this.#log = log;
  }

  #entry(session: S): Entry {
    let entry = this.#entries.get(session);
    if (entry === undefined) {
      entry = { principal: undefined, authenticated: false, baseline: false, pending: Promise.resolve() };
      this.#entries.set(session, entry);
    }
    return entry;
  }

  /** One of the session's requests authenticated as `principal`. */
  authenticated(session: S, principal: Principal | undefined): void {
    const entry = this.#entry(session);
    entry.principal = principal;
    entry.authenticated = true;
  }

  /**
   * The session is about to be shown a list (or was taken over from a replica where it may have
   * listed): from now on it has something to refresh. Called before the list is computed, so a
   * change while it is being answered is announced.
   */
  listing(session: S, asked: { session: SessionInfo; requestId: string | number }): void {
    const entry = this.#entry(session);
    entry.asked ??= asked;
  }

  /** A list was answered: the first time, the baseline view is taken (after the answer, off its path). */
  shown(session: S): void {
    const entry = this.#entries.get(session);
    if (entry?.asked === undefined || entry.baseline) return;
    entry.baseline = true;
    entry.pending = entry.pending.then(async () => {
      entry.lists = await this.#view(entry);
    }).catch((error: unknown) => this.#log.debug({ err: error }, 'a session baseline view could not be decided: its next list change is announced'));
  }

  /**
   * Some catalog lists changed: `send` is called for those whose view changed for the session
   * (all of them when the view before or after is not known).
   */
  listsChanged(session: S, changed: readonly CatalogList[], send: (list: CatalogList) => void): void {
    const entry = this.#entries.get(session);
    if (entry?.asked === undefined) return;
    // Known now, when the catalog changes: a baseline taken after this moment would already hold the change.
    const known = entry.lists !== undefined;
    // Bounded: one view being taken and at most one waiting per session; a burst of changes joins the waiting one.
    if (entry.waiting) {
      for (const list of changed) entry.waiting.lists.add(list);
      entry.waiting.known &&= known;
      return;
    }
    const waiting = { lists: new Set(changed), known };
    entry.waiting = waiting;
    entry.pending = entry.pending.then(async () => {
      entry.waiting = undefined;
      let views: ListViews;
      try {
        views = await this.#view(entry);
      } catch (error) {
        this.#log.debug({ err: error, lists: [...waiting.lists] }, 'a session view could not be decided: the list change is announced');
        entry.lists = undefined;
        for (const list of waiting.lists) send(list);
        return;
      }
      const told = waiting.known ? entry.lists : undefined;
      entry.lists = views;
      for (const list of waiting.lists) if (told === undefined || told[list] !== views[list]) send(list);
    }).catch((error: unknown) => this.#log.warn({ err: error }, 'a session missed a list change'));
  }

  forget(session: S): void {
    this.#entries.delete(session);
  }

  async #view(entry: Entry): Promise<ListViews> {
    if (!entry.authenticated || entry.asked === undefined) throw new WardenError('AUTH_TOKEN_MISSING', 'no request of this session authenticated');
    const principal = entry.principal;
    if (principal !== undefined && principal.expiresAt * 1000 <= this.#clock.now()) throw new WardenError('AUTH_TOKEN_EXPIRED', 'the session principal\'s token expired');
    return this.#pipeline.views(principal, entry.asked);
  }
}
