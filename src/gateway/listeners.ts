import type { CatalogList } from '../catalog/index.ts';
import type { Logger } from '../log.ts';
import { LIST_CHANGED_NOTIFICATIONS } from '../mcp-methods.ts';
import { copyWith } from '../own.ts';
import type { Listener, ListViews } from '../pipeline/index.ts';

/**
 * The open `subscriptions/listen` streams of new-era callers (MCP 2026-07-28), and the fan-out of
 * upstream events to them. Each stream is told of a list change only when its caller's own view
 * of that list changed (the views are recomputed with the caller's policy decisions, and compared
 * with what it was last told), and of a resource update only for a URI it named and may read.
 * Every notification carries the stream's subscription id (the listen request's id) in `_meta`.
 */
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

const ASKED: Record<CatalogList, 'toolsListChanged' | 'promptsListChanged' | 'resourcesListChanged'> = {
  tools: 'toolsListChanged',
  prompts: 'promptsListChanged',
  resources: 'resourcesListChanged',
};

export interface ListenStream {
  id: string | number;
  listener: Listener;
  send(message: Record<string, unknown>): void;
  /** Ends the stream gracefully (the gateway is closing). */
  close(): void;
}

interface Entry {
  stream: ListenStream;
  views: ListViews;
  /** View checks run one at a time per stream, so two changes in a row are compared in order. */
  pending: Promise<void>;
}

export class Listeners {
  readonly #entries = new Map<ListenStream, Entry>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Starts delivering to a stream: the acknowledgement first, then only changes after the view it had when it opened. */
  async add(stream: ListenStream): Promise<void> {
    const views = await stream.listener.view();
    stream.send(notification(stream.id, 'notifications/subscriptions/acknowledged', { notifications: stream.listener.filter }));
    this.#entries.set(stream, { stream, views, pending: Promise.resolve() });
  }

  remove(stream: ListenStream): void {
    this.#entries.delete(stream);
  }

  /** Some catalog lists changed: each stream that asked for one of them hears of those its caller's view changed. */
  listsChanged(changed: readonly CatalogList[]): void {
    for (const entry of this.#entries.values()) {
      const asked = changed.filter((list) => entry.stream.listener.filter[ASKED[list]] === true);
      if (asked.length === 0) continue;
      entry.pending = entry.pending.then(async () => {
        let views: ListViews | undefined;
        try {
          views = await entry.stream.listener.view();
        } catch (error) {
          // Undecided (the policy failed): announced, as a list_changed only makes the caller list again, filtered.
          this.#log.debug({ err: error, lists: asked }, 'a listen stream view could not be decided: the list change is announced');
        }
        for (const list of asked) {
          if (views !== undefined && views[list] === entry.views[list]) continue;
          entry.views[list] = views?.[list] ?? '';
          entry.stream.send(notification(entry.stream.id, LIST_CHANGED_NOTIFICATIONS[list], {}));
        }
      }).catch((error: unknown) => this.#log.warn({ err: error }, 'a listen stream missed a list change'));
    }
  }

  /** An upstream resource changed: the streams that named it and may read it hear of it. */
  resourceUpdated(uri: string, params: Record<string, unknown>): void {
    for (const entry of this.#entries.values()) {
      if (entry.stream.listener.filter.resourceSubscriptions?.includes(uri) !== true) continue;
      entry.pending = entry.pending.then(async () => {
        if (await entry.stream.listener.mayRead(uri)) entry.stream.send(notification(entry.stream.id, 'notifications/resources/updated', { ...params, uri }));
      }).catch((error: unknown) => this.#log.warn({ err: error, uri }, 'a listen stream missed a resource update: the read could not be decided'));
    }
  }

  /** The URIs some open stream wants updates for (what the gateway must be subscribed to upstream). */
  resourceSubscriptions(): Set<string> {
    return new Set([...this.#entries.keys()].flatMap((stream) => stream.listener.filter.resourceSubscriptions ?? []));
  }

  closeAll(): void {
    for (const stream of [...this.#entries.keys()]) stream.close();
    this.#entries.clear();
  }
}

function notification(id: string | number, method: string, params: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', method, params: copyWith(params, { _meta: { [SUBSCRIPTION_ID]: id } }) };
}
