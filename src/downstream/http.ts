import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest, isJSONRPCRequest, JSONRPCMessageSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { isWardenError, WardenError } from '../errors.ts';
import { SessionCaps } from '../limits/sessions.ts';
import type { ClientChannel } from '../pipeline/context.ts';
import type { Gateway } from './gateway.ts';
import { type AuthEdge, parseBearer } from './auth-edge.ts';
import { classify } from './era.ts';
import { type GuardOptions, readJsonBody, refuseReason, sendError, sendRejection } from './http-guard.ts';
import { serveModernRequest } from './modern-http.ts';
import { IdleSessions } from './idle-sessions.ts';
import { OpenRequestIds } from './open-request-ids.ts';
import { READINESS_PATH, readiness, sendReadiness } from './readiness.ts';
import type { AuditHealth } from '../audit/sink.ts';
import { createSession, type Extra } from './session.ts';
import { toJsonRpcError } from './jsonrpc-errors.ts';

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
  /** Audit health for `GET /readyz` (answered before the auth edge: load balancers carry no token). */
  auditHealth?: () => AuditHealth;
}

export interface HttpEdge {
  url: string;
  /** Stops accepting connections, awaits `drain` (in-flight calls), then closes every session. */
  close(drain?: () => Promise<void>): Promise<void>;
}

/** A refused session never talks back to its client. */
const NO_CHANNEL: ClientChannel = { request: () => Promise.reject(new WardenError('REQUEST_INVALID', 'no session')) };

/** HTTP: the bearer token comes from the Authorization header of the request, nothing else. */
export function bearerOf(extra: Extra): string | undefined {
  return parseBearer(extra.requestInfo?.headers.authorization);
}

export async function serveHttp(gateway: Gateway, options: HttpEdgeOptions): Promise<HttpEdge> {
  const streamable = new IdleSessions<StreamableHTTPServerTransport>(options.sessionIdleMs);
  const legacy = new Map<string, SSEServerTransport>();
  /** Session id -> the principal (`iss sub`) that created it; undefined when auth is disabled. */
  const owners = new Map<string, string | undefined>();
  const openIds = new OpenRequestIds();
  const sessionCaps = new SessionCaps(gateway.config.limits.sessions);
  /**
   * A new old-era session counts against `limits.sessions`; refused, its opening request gets
   * 429 with SESSION_LIMIT and a deny row. The slot is given back when the transport closes.
   */
  async function admitSession(req: IncomingMessage, res: ServerResponse, owner: string | undefined, requestId: string | number | null): Promise<boolean> {
    const full = sessionCaps.open(owner);
    if (full === undefined) return true;
    gateway.limits.events.sessionLimited(full);
    const error = new WardenError('SESSION_LIMIT', full === 'total' ? 'The gateway has as many open sessions as allowed; try again later' : 'This caller has as many open sessions as allowed; close one first', {
      details: { limit: full === 'total' ? 'sessions.total' : 'sessions.per_principal' },
    });
    const session = { id: 'refused', transport: 'http' as const, protocolVersion: LATEST_PROTOCOL_VERSION, remoteAddr: req.socket.remoteAddress ?? 'unknown', channel: NO_CHANNEL };
    await gateway.pipeline.refuse({ method: 'initialize', session, requestId: requestId ?? 'none', token: parseBearer(req.headers.authorization) }, error);
    const refused = toJsonRpcError(error);
    sendError(res, 429, refused.code, refused.message, 'SESSION_LIMIT', requestId);
    return false;
  }
  const sessionFor = (req: IncomingMessage) => createSession(gateway, { transport: 'http', remoteAddr: req.socket.remoteAddress ?? 'unknown', tokenOf: bearerOf });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refuseReason(req, options);
    if (refused) return sendError(res, 403, -32000, `Forbidden: ${refused}`, 'REQUEST_INVALID');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === READINESS_PATH && req.method === 'GET' && options.auditHealth) return sendReadiness(res, readiness(gateway, options.auditHealth));
    if (options.auth && (await options.auth.handle(req, res))) return;
    const owner = options.auth?.principalKey(req);
    const ownedBy = (sessionId: string) => owners.get(sessionId) === owner;

    if (path === '/mcp') {
      const body = req.method === 'POST' ? await readJsonBody(req, options.maxBodyBytes) : undefined;
      // One message per POST, checked as the legacy endpoint's transport checks it: the negotiated
      // protocols have no batches (removed in 2025-06-18), and an array is not a JSON-RPC message.
      if (req.method === 'POST' && !JSONRPCMessageSchema.safeParse(body).success) {
        return sendError(res, 400, ErrorCode.InvalidRequest, 'Invalid Request: expected one JSON-RPC message (batches are not part of the protocol since 2025-06-18)', 'REQUEST_INVALID');
      }
      // Chosen per request, from the body: new era statelessly, old era in its session.
      const classified = req.method === 'POST' ? classify(req.headers, body) : { era: 'legacy' as const };
      if (classified.era === 'reject') return sendRejection(res, classified.rejection);
      if (classified.era === 'modern') {
        if (classified.kind === 'notification') return void res.writeHead(202).end();
        const { id, method, params } = classified.message;
        return serveModernRequest(
          gateway,
          { id, method, params, protocolVersion: classified.protocolVersion, token: parseBearer(req.headers.authorization), remoteAddr: req.socket.remoteAddress ?? 'unknown' },
          res,
        );
      }
      const id = req.headers['mcp-session-id'];
      const existing = typeof id === 'string' && ownedBy(id) ? streamable.get(id) : undefined;
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
        if (counted) sessionCaps.close(owner);
        counted = false;
      };
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => {
          owners.set(sid, owner);
          streamable.touch(sid, transport);
        },
      });
      transport.onclose = () => {
        uncount();
        if (transport.sessionId === undefined) return;
        owners.delete(transport.sessionId);
        openIds.forget(transport.sessionId);
        streamable.delete(transport.sessionId);
      };
      await sessionFor(req).connect(transport);
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
        sessionCaps.close(owner);
        owners.delete(transport.sessionId);
        legacy.delete(transport.sessionId);
      };
      await sessionFor(req).connect(transport);
      return;
    }
    if (path === '/messages' && req.method === 'POST') {
      const sessionId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? '';
      const transport = ownedBy(sessionId) ? legacy.get(sessionId) : undefined;
      if (!transport) return sendError(res, 404, -32001, 'Session not found', 'REQUEST_INVALID');
      return transport.handlePostMessage(req, res, await readJsonBody(req, options.maxBodyBytes));
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
      if (isWardenError(error, 'REQUEST_NUMBER_INEXACT')) return sendError(res, 400, toJsonRpcError(error).code, error.message, error.code);
      gateway.log.error({ err: error }, 'HTTP request failed');
      sendError(res, 500, -32603, 'Internal error', 'INTERNAL');
    });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/mcp`,
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
