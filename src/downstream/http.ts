import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, isInitializeRequest, isJSONRPCRequest, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { isWardenError, WardenError } from '../errors.ts';
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
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => {
          owners.set(sid, owner);
          streamable.touch(sid, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId === undefined) return;
        owners.delete(transport.sessionId);
        openIds.forget(transport.sessionId);
        streamable.delete(transport.sessionId);
      };
      await sessionFor(req).connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (path === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      legacy.set(transport.sessionId, transport);
      owners.set(transport.sessionId, owner);
      transport.onclose = () => {
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

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (isWardenError(error, 'REQUEST_TOO_LARGE')) return sendError(res, 413, -32600, error.message, error.code);
      if (isWardenError(error, 'REQUEST_INVALID')) return sendError(res, 400, -32700, error.message, error.code);
      if (isWardenError(error, 'REQUEST_NUMBER_INEXACT')) return sendError(res, 400, toJsonRpcError(error).code, error.message, error.code);
      gateway.log.error({ err: error }, 'HTTP request failed');
      sendError(res, 500, -32603, 'Internal error', 'INTERNAL');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // One line a person can act on, not a stack: the usual cause is a gateway already running.
      const where = `${options.host}:${options.port}`;
      const why = error.code === 'EADDRINUSE' ? 'the port is in use by another process (a gateway or npm start already running?); choose another with --port' : error.code === 'EACCES' ? 'not allowed (ports below 1024 need privileges)' : error.message;
      reject(new WardenError('SERVER_LISTEN_FAILED', `cannot listen on ${where}: ${why}`, { cause: error }));
    });
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
