import { McpError, type Notification, type Result } from '@modelcontextprotocol/sdk/types.js';
import type { Catalog, CatalogList, UpstreamListing } from '../catalog/index.ts';
import type { IntegrityGuard } from '../integrity/index.ts';
import { toJsonRpcError } from '../jsonrpc-errors.ts';
import type { Logger } from '../log.ts';
import { LIST_CHANGED_NOTIFICATIONS } from '../mcp-methods.ts';
import type { InFlight, Pipeline } from '../pipeline/index.ts';
import type { ServerRequest } from '../upstreams/index.ts';
import type { Sessions } from './sessions.ts';

/** RFC 5424 severities, as MCP orders them. */
const SEVERITY = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Whether a message's level is at or above the level asked for (an unknown level is not). */
function atLeast(level: unknown, asked: string): boolean {
  const at = SEVERITY.indexOf(String(level));
  return at !== -1 && at >= SEVERITY.indexOf(asked);
}

/**
 * Upstream events, fanned out to the client sessions: a listing updates the catalog and sends
 * list_changed to those whose view changed; log messages go, with the upstream named, to the
 * sessions that asked for them; resources/updated to subscribers; a server->client request is
 * decided by the pipeline in the name of the call that caused it.
 */
export class FanOut {
  readonly #catalog: Catalog;
  readonly #sessions: Sessions;
  readonly #pipeline: Pipeline;
  readonly #inFlight: InFlight;
  readonly #integrity: IntegrityGuard | undefined;
  readonly #log: Logger;

  constructor(parts: { catalog: Catalog; sessions: Sessions; pipeline: Pipeline; inFlight: InFlight; integrity: IntegrityGuard | undefined; log: Logger }) {
    this.#catalog = parts.catalog;
    this.#sessions = parts.sessions;
    this.#pipeline = parts.pipeline;
    this.#inFlight = parts.inFlight;
    this.#integrity = parts.integrity;
    this.#log = parts.log;
  }

  /** A listing the catalog took: its pins observed, its conflicts logged, the changed lists announced. */
  listing(upstream: string, listing: UpstreamListing, changed: readonly CatalogList[]): void {
    this.#integrity?.observe(upstream, listing);
    for (const omission of this.#catalog.snapshot.omissions.filter((o) => o.upstream === upstream)) {
      this.#log.warn({ ...omission }, 'catalog conflict');
    }
    this.announce(changed);
  }

  /**
   * notifications/<list>/list_changed, for the lists whose content changed, to the old-era
   * sessions and listen streams whose caller's own view of that list changed.
   */
  announce(changed: readonly CatalogList[]): void {
    if (changed.length === 0) return;
    this.#sessions.listeners.listsChanged(changed);
    for (const session of this.#sessions) {
      this.#sessions.views.listsChanged(session, changed, (list) => void session.server.notification({ method: LIST_CHANGED_NOTIFICATIONS[list] }).catch(() => undefined));
    }
  }

  notification(upstream: string, notification: Notification): void {
    const params = (notification.params ?? {}) as Record<string, unknown>;
    if (notification.method === 'notifications/message') {
      const logger = typeof params.logger === 'string' ? `${upstream}/${params.logger}` : upstream;
      // A caller that asked for its request's messages (a new-era request's logLevel, or an
      // old-era session's level carried on its call). A message names no request, so it goes to
      // the call in flight on that upstream when there is exactly one (as server->client
      // requests do), at or above the level that caller asked for; with several, to none of
      // them rather than risk another caller's.
      const owner = this.#inFlight.ownerOf(upstream);
      const logs = owner?.call.logs;
      if (logs !== undefined && atLeast(params.level, logs.level)) void logs.send({ ...params, logger }).catch(() => undefined);
      // Old-era sessions that set a level hear the upstreams' messages as before (that session's
      // own call's message went to it just above).
      for (const session of this.#sessions) {
        if (!session.receivesLogs || (logs !== undefined && session.id === owner?.session.id)) continue;
        void session.server.notification({ method: notification.method, params: { ...params, logger } }).catch(() => undefined);
      }
    } else if (notification.method === 'notifications/resources/updated') {
      for (const session of this.#sessions) {
        if (session.subscriptions.has(params.uri as string)) void session.server.notification(notification).catch(() => undefined);
      }
      if (typeof params.uri === 'string') this.#sessions.listeners.resourceUpdated(params.uri, params);
    } else {
      this.#log.debug({ upstream, method: notification.method }, 'upstream notification not relayed');
    }
  }

  /** Decided, audited and relayed by the pipeline; a refusal goes back to the upstream as a JSON-RPC error. */
  async serverRequest(upstream: string, request: ServerRequest, signal: AbortSignal): Promise<Result> {
    try {
      return await this.#pipeline.serverRequest({ upstream, method: request.method, params: request.params, signal });
    } catch (error) {
      // The client's own JSON-RPC error (McpError) goes back unchanged; ours are mapped.
      throw error instanceof McpError ? error : toJsonRpcError(error);
    }
  }
}
