import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest, isJSONRPCRequest, type JSONRPCMessage, JSONRPCMessageSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { isWardenError, WardenError } from '../errors.ts';
import type { ClientChannel } from '../pipeline/index.ts';
import type { ConsoleHandler } from '../console/index.ts';
import type { Gateway } from '../gateway/index.ts';
import { type AuthEdge, parseBearer } from './auth-edge.ts';
import { classify } from './era.ts';
import { holdHeadersForFirstEvent } from './first-event-headers.ts';
import { type GuardOptions, readJsonBody, refuseReason, sendError, sendRejection } from './http-guard.ts';
import { serveModernRequest } from './modern-http.ts';
import { IdleSessions } from './idle-sessions.ts';
import { METRICS_PATH, sendMetrics } from './metrics-endpoint.ts';
import { OpenRequestIds } from './open-request-ids.ts';
import { type HealthSources, LIVENESS_PATH, READINESS_PATH, readiness, sendLiveness, sendReadiness } from './readiness.ts';
import type { Sealer } from '../seal.ts';
import { createSession, type Extra, type SessionOptions } from './session.ts';
import { mintSessionId, openSessionId, resumeSdkSession } from './shared-sessions.ts';
import { refusalResponse, toJsonRpcError } from '../jsonrpc-errors.ts';
import { traceOf } from './dispatch.ts';
import { requestUrl } from '../request-url.ts';
import { listenOn } from './listen-on.ts';

/**
 * The HTTP edge: Streamable HTTP at /mcp, legacy SSE at /sse + /messages, on 127.0.0.1 by default.
 * Order per request: Host/Origin guard -> `authEdge` hook -> body limit -> MCP transport.
 */
export interface HttpEdgeOptions extends GuardOptions {
  /** Streamable HTTP sessions without a request for this long are closed (see idle-sessions.ts). */
  sessionIdleMs: number;
  /**
   * The HTTP auth edge (401 + WWW-Authenticate, /.well-known/oauth-protected-resource): runs after
   * the Host/Origin guard, before any MCP handling. A session is bound to the principal that
   * created it: anyone else presenting its id is answered as if it did not exist (404).
   */
  auth?: AuthEdge;
  /** What `GET /readyz` reports (answered before the auth edge: load balancers carry no token). */
  health?: HealthSources;
  /**
   * Sessions any replica may continue (`server.session_key`): ids are sealed by `sealer`, and the
   * session state is kept in `gateway.sessionState` under this replica's name. Unset: random ids,
   * sessions live and die with this process.
   */
  sessions?: { sealer: Sealer; replicaId: string };
  /** Serve `GET /metrics` on this port (`server.metrics`), before the auth edge as `/readyz` is. */
  metrics?: boolean;
  /** `/console` (console.enabled, listener mcp): its own cookie login, so before the bearer auth edge. */
  console?: ConsoleHandler;
}

export interface HttpEdge {
  url: string;
  /**
   * The first half of a graceful stop (SIGTERM): `/readyz` answers 503 from now on, so the load
   * balancer stops sending calls here, while the listener stays open; a request that still
   * arrives is refused with 503 SERVER_DRAINING and `Connection: close` (the balancer retries it
   * on another replica). Resolves when the requests in flight are done, or after `graceMs`.
   */
  drain(graceMs: number, alsoInFlight?: () => number): Promise<number>;
  /** Stops accepting connections, awaits `drain` (in-flight calls), then closes every session. */
  close(drain?: () => Promise<void>): Promise<void>;
}

/** A refused session never talks back to its client. */
const NO_CHANNEL: ClientChannel = { request: () => Promise.reject(new WardenError('REQUEST_INVALID', 'no session')) };

/** HTTP: the bearer token comes from the Authorization header of the request, nothing else. */
function bearerOf(extra: Extra): string | undefined {
  return parseBearer(extra.requestInfo?.headers.authorization);
}

export async function serveHttp(gateway: Gateway, options: HttpEdgeOptions): Promise<HttpEdge> {
  const streamable = new IdleSessions<StreamableHTTPServerTransport>(options.sessionIdleMs);
  const legacy = new Map<string, SSEServerTransport>();
  /** Session id -> the principal (`iss sub`) that created it; undefined when auth is disabled. */
  const owners = new Map<string, string | undefined>();
  const openIds = new OpenRequestIds();
  /**
   * A new old-era session counts against `limits.sessions`; refused, its opening request gets
   * 429 with SESSION_LIMIT and a deny row. The slot is given back when the transport closes.
   */
  async function admitSession(req: IncomingMessage, res: ServerResponse, owner: string | undefined, requestId: string | number | null): Promise<boolean> {
    const error = gateway.limits.openSession(owner);
    if (error === undefined) return true;
    const session = { id: 'refused', transport: 'http' as const, protocolVersion: LATEST_PROTOCOL_VERSION, remoteAddr: req.socket.remoteAddress ?? 'unknown', channel: NO_CHANNEL };
    await gateway.pipeline.refuse({ method: 'initialize', session, requestId: requestId ?? 'none', token: parseBearer(req.headers.authorization) }, error);
    const refused = toJsonRpcError(error);
    sendError(res, 429, refused.code, refused.message, 'SESSION_LIMIT', requestId);
    return false;
  }
  let draining = false;
  // MCP requests whose response has not ended: an old-era call answered on its POST stream counts
  // from its arrival, before the pipeline knows it (authentication, policy, the decision commit).
  let active = 0;
  const sessionFor = (req: IncomingMessage, shared?: SessionOptions['shared']) =>
    createSession(gateway, { transport: 'http', remoteAddr: req.socket.remoteAddress ?? 'unknown', tokenOf: bearerOf, ...(shared ? { shared } : {}) });

  /** A Streamable HTTP transport for session `sid`, forgotten everywhere when it closes. */
  function sessionTransport(sid: string, owner: string | undefined, initialized: () => Promise<void>): StreamableHTTPServerTransport {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => sid,
      onsessioninitialized: async () => {
        owners.set(sid, owner);
        // Recorded as live in the shared state before this replica holds it (watchEnded's recheck).
        await initialized();
        streamable.touch(sid, transport);
      },
    });
    transport.onclose = () => {
      owners.delete(sid);
      openIds.forget(sid);
      streamable.delete(sid);
    };
    return transport;
  }

  /**
   * Continues a session another replica began: only when the id is sealed by our key, names the
   * caller's principal, and the shared state knows the session as live (not ended by DELETE).
   * Anything else is answered as an unknown session (404), as before.
   */
  async function takeOver(id: string, owner: string | undefined, req: IncomingMessage): Promise<StreamableHTTPServerTransport | undefined> {
    const sealed = openSessionId(options.sessions!.sealer, id, owner);
    if (!sealed) return undefined;
    const state = await gateway.sessionState.load(id);
    if (!state) return undefined;
    const transport = sessionTransport(id, owner, async () => undefined);
    const session = sessionFor(req, { id, resumed: { protocolVersion: sealed.protocolVersion, state } });
    await session.connect(transport);
    resumeSdkSession(transport, session.server, id, sealed);
    owners.set(id, owner);
    streamable.touch(id, transport);
    gateway.sessions.adopt(session.handle);
    gateway.log.info({ session: session.handle.id }, 'continuing a session begun on another replica');
    return transport;
  }
  /** Concurrent first requests of one session on this replica make one takeover. */
  const takeovers = new Map<string, Promise<StreamableHTTPServerTransport | undefined>>();
  // A session ended (DELETE) through another replica is closed here too, not answered until idle.
  // A DELETE this replica is answering closes its session itself: the announcement of that very
  // end may come back first and must not close the transport under the DELETE (a 404).
  const endingHere = new Set<string>();
  if (options.sessions) {
    gateway.sessionState.watchEnded(() => streamable.ids(), (id) => void (endingHere.has(id) || streamable.get(id)?.close().catch(() => undefined)));
  }
  function takeOverOnce(id: string, owner: string | undefined, req: IncomingMessage): Promise<StreamableHTTPServerTransport | undefined> {
    let pending = takeovers.get(id);
    if (!pending) {
      pending = takeOver(id, owner, req).finally(() => takeovers.delete(id));
      takeovers.set(id, pending);
    }
    return pending;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refuseReason(req, options);
    if (refused) return sendError(res, 403, -32000, `Forbidden: ${refused}`, 'REQUEST_INVALID');
    const url = requestUrl(req);
    if (url === undefined) return sendError(res, 400, -32600, 'Bad request target', 'REQUEST_INVALID');
    const path = url.pathname;
    if (path === LIVENESS_PATH && req.method === 'GET') return sendLiveness(res, draining);
    if (path === READINESS_PATH && req.method === 'GET' && options.health) return sendReadiness(res, readiness(gateway, options.health, draining));
    if (path === METRICS_PATH && req.method === 'GET' && options.metrics === true) return sendMetrics(res);
    if (draining) {
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      return sendError(res, 503, toJsonRpcError(new WardenError('SERVER_DRAINING', '')).code, 'Server draining: retry on another replica', 'SERVER_DRAINING');
    }
    if (options.console && (await options.console.handle(req, res))) return;
    if (req.method === 'POST') {
      active += 1;
      res.once('close', () => (active -= 1));
    }
    if (options.auth && (await options.auth.handle(req, res))) return;
    const owner = options.auth?.principalKey(req);
    const ownedBy = (sessionId: string) => owners.get(sessionId) === owner;

    if (path === '/mcp') {
      const body = req.method === 'POST' ? await readJsonBody(req, options.maxBodyBytes, options.maxJsonDepth) : undefined;
      // Chosen per request, from the body: new era statelessly, old era in its session.
      const classified = req.method === 'POST' ? classify(req.headers, body) : { era: 'legacy' as const };
      // One message per POST, checked as the legacy endpoint's transport checks it: the negotiated
      // protocols have no batches (removed in 2025-06-18), and an array is not a JSON-RPC message.
      // A message classified new era has passed the JSON-RPC schema already (era.ts).
      if (req.method === 'POST' && classified.era !== 'modern' && !JSONRPCMessageSchema.safeParse(body).success) {
        return sendError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: expected one JSON-RPC message (batches are not part of the protocol since 2025-06-18)', 'REQUEST_INVALID');
      }
      if (classified.era === 'reject') return sendRejection(res, classified.rejection);
      if (classified.era === 'modern') {
        if (classified.kind === 'notification') return void res.writeHead(202).end();
        const { id, method, params } = classified.message;
        return serveModernRequest(
          gateway,
          { id, method, params, protocolVersion: classified.protocolVersion, token: parseBearer(req.headers.authorization), remoteAddr: req.socket.remoteAddress ?? 'unknown', ...traceOf(req.headers) },
          res,
        );
      }
      const id = req.headers['mcp-session-id'];
      let existing = typeof id === 'string' && ownedBy(id) ? streamable.get(id) : undefined;
      // An id this replica does not hold may be a session begun (or continued) on another one.
      if (!existing && typeof id === 'string' && options.sessions) existing = await takeOverOnce(id, owner, req);
      if (existing && typeof id === 'string') {
        streamable.touch(id, existing);
        res.on('close', () => streamable.get(id) === existing && streamable.touch(id, existing));
        if (isJSONRPCRequest(body)) {
          const requestId = body.id;
          if (!openIds.claim(id, requestId)) {
            const refused = toJsonRpcError(new WardenError('REQUEST_ID_IN_USE', `Request id ${JSON.stringify(requestId)} is still in flight in this session`));
            return sendError(res, 400, refused.code, refused.message, 'REQUEST_ID_IN_USE', requestId);
          }
          res.on('close', () => openIds.release(id, requestId));
          holdHeadersForFirstEvent(res);
        }
        // The client ends its session: no replica may continue it. Recorded before the local close.
        if (req.method === 'DELETE' && options.sessions) {
          endingHere.add(id);
          res.once('close', () => endingHere.delete(id));
          await gateway.sessionState.end(id);
        }
        return existing.handleRequest(req, res, body);
      }
      if (id !== undefined) return sendError(res, 404, -32001, 'Session not found', 'REQUEST_INVALID');
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        return sendError(res, 400, -32000, 'Bad Request: no session; send initialize first', 'REQUEST_INVALID');
      }
      if (!(await admitSession(req, res, owner, isJSONRPCRequest(body) ? body.id : null))) return;
      let counted = true;
      const uncount = () => {
        if (counted) gateway.limits.sessions.close(owner);
        counted = false;
      };
      const sid = options.sessions ? mintSessionId(options.sessions.sealer, owner, body.params) : randomUUID();
      const transport = sessionTransport(sid, owner, async () => {
        // Before the id is handed out: another replica must find it from the client's next request on.
        if (options.sessions) await gateway.sessionState.create(sid, options.sessions.replicaId);
      });
      const forget = transport.onclose;
      transport.onclose = () => {
        uncount();
        forget?.();
      };
      await sessionFor(req, options.sessions && { id: sid }).connect(transport);
      await transport.handleRequest(req, res, body);
      // An initialize that did not open a session (refused by the SDK) holds no slot.
      if (transport.sessionId === undefined) uncount();
      return;
    }
    if (path === '/sse' && req.method === 'GET') {
      if (!(await admitSession(req, res, owner, null))) return;
      const transport = new SSEServerTransport('/messages', res);
      legacy.set(transport.sessionId, transport);
      owners.set(transport.sessionId, owner);
      transport.onclose = () => {
        gateway.limits.sessions.close(owner);
        owners.delete(transport.sessionId);
        legacy.delete(transport.sessionId);
      };
      await sessionFor(req).connect(transport);
      return;
    }
    if (path === '/messages' && req.method === 'POST') {
      const sessionId = url.searchParams.get('sessionId') ?? '';
      const transport = ownedBy(sessionId) ? legacy.get(sessionId) : undefined;
      if (!transport) return sendError(res, 404, -32001, 'Session not found', 'REQUEST_INVALID');
      let body: unknown;
      try {
        body = await readJsonBody(req, options.maxBodyBytes, options.maxJsonDepth);
      } catch (error) {
        // A message refused for what it holds is answered as every message is on this transport:
        // on the event stream, where the client waits for it (a 400 to the POST left the Python
        // SDK's client waiting forever).
        if (!isWardenError(error, 'REQUEST_NUMBER_INEXACT') && !isWardenError(error, 'REQUEST_TOO_DEEP')) throw error;
        res.writeHead(202).end('Accepted');
        return transport.send(refusalResponse(error) as JSONRPCMessage);
      }
      return transport.handlePostMessage(req, res, body);
    }
    sendError(res, 404, -32601, `Not found: ${path}`, 'METHOD_NOT_FOUND');
  }

  const timeouts = gateway.config.server;
  const server = createServer(
    {
      // Node's defaults let a client trickle a request head for 60 s and a body for 300 s, checked
      // every 30 s (measured: 408 after 84 s, a trickled body open 100 s), so a few slow clients
      // hold sockets and buffers for minutes. The check runs every second here.
      headersTimeout: timeouts.headers_timeout_ms,
      requestTimeout: timeouts.request_timeout_ms,
      keepAliveTimeout: timeouts.keep_alive_timeout_ms,
      connectionsCheckingInterval: Math.min(1000, timeouts.headers_timeout_ms),
    },
    (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (isWardenError(error, 'REQUEST_TOO_LARGE')) return sendError(res, 413, -32600, error.message, error.code);
      if (isWardenError(error, 'REQUEST_INVALID')) return sendError(res, 400, -32700, error.message, error.code);
      if (isWardenError(error, 'REQUEST_NUMBER_INEXACT') || isWardenError(error, 'REQUEST_TOO_DEEP')) return sendRejection(res, { status: 400, ...refusalResponse(error) });
      gateway.log.error({ err: error }, 'HTTP request failed');
      sendError(res, 500, -32603, 'Internal error', 'INTERNAL');
    });
    },
  );
  await listenOn(server, options.host, options.port, '--port');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/mcp`,
    async drain(graceMs, alsoInFlight = () => 0) {
      draining = true;
      // Idle keep-alive connections would carry the next request here: close them now.
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      const pending = () => active + alsoInFlight();
      while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return pending();
    },
    async close(drain) {
      streamable.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await drain?.();
      await Promise.all([...streamable.values(), ...legacy.values()].map((t) => t.close().catch(() => undefined)));
      server.closeAllConnections();
      await closed;
    },
  };
}
