/**
 * Hosts an example MCP server over the transport a team would pick: stdio, Streamable HTTP or the
 * legacy SSE transport. Each HTTP/SSE session gets its own McpServer from the factory, as the SDK
 * requires. Binds 127.0.0.1 only; with port 0 the OS picks one. Refuses (403) a Host or Origin
 * that is not loopback, so a web page cannot reach it by DNS rebinding. Prints one line
 * `listening <url>` on stderr so that a launcher can find the port. The test fixtures are hosted
 * the same way (the conformance fixture adds an event store for resumable streams).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type EventStore, StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export type ExampleTransport = 'stdio' | 'http' | 'sse';

export interface HostOptions {
  transport: ExampleTransport;
  port?: number;
  /** Streamable HTTP only: keeps SSE events so a client can resume a stream (Last-Event-ID). */
  eventStore?: EventStore;
  /** Streamable HTTP only: the retry interval (ms) suggested to clients that resume. */
  retryInterval?: number;
}

export async function host(createMcpServer: () => McpServer, options: HostOptions): Promise<void> {
  if (options.transport === 'stdio') {
    await createMcpServer().connect(new StdioServerTransport());
    return;
  }
  const handle = options.transport === 'http' ? streamableHttpHandler(createMcpServer, options) : sseHandler(createMcpServer);
  const server = createServer((req, res) => {
    if (!isLoopbackRequest(req)) return refuse(res, 403, 'Forbidden: Host or Origin is not a loopback address');
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.end();
      else refuse(res, 500, error instanceof Error ? error.message : 'internal error');
    });
  });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const path = options.transport === 'http' ? '/mcp' : '/sse';
  process.stderr.write(`listening http://127.0.0.1:${port}${path}\n`);
  const stop = () => {
    // Open SSE streams would keep close() waiting for ever.
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The Host (and the Origin, when a browser sends one) must name a loopback address. */
function isLoopbackRequest(req: IncomingMessage): boolean {
  const hostname = (value: string) => {
    try {
      return new URL(value).hostname;
    } catch {
      return undefined;
    }
  };
  const hostHeader = req.headers.host;
  if (hostHeader === undefined || !LOOPBACK.has(hostname(`http://${hostHeader}`) ?? '')) return false;
  const origin = req.headers.origin;
  return origin === undefined || LOOPBACK.has(hostname(origin) ?? '');
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function streamableHttpHandler(createMcpServer: () => McpServer, options: Pick<HostOptions, 'eventStore' | 'retryInterval'>): Handler {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  return async (req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return refuse(res, 404, 'Not found');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res);
    if (sessionId !== undefined) return refuse(res, 404, 'Session not found');
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(options.eventStore ? { eventStore: options.eventStore } : {}),
      ...(options.retryInterval !== undefined ? { retryInterval: options.retryInterval } : {}),
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createMcpServer().connect(transport);
    await transport.handleRequest(req, res);
  };
}

function sseHandler(createMcpServer: () => McpServer): Handler {
  const sessions = new Map<string, SSEServerTransport>();
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      transport.onclose = () => sessions.delete(transport.sessionId);
      await createMcpServer().connect(transport);
      return;
    }
    const transport = url.pathname === '/messages' ? sessions.get(url.searchParams.get('sessionId') ?? '') : undefined;
    if (req.method === 'POST' && transport) return transport.handlePostMessage(req, res);
    refuse(res, 404, 'Not found');
  };
}

/** A JSON-RPC error body, as MCP clients expect even from a refusal outside the protocol. */
function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

/** `--transport stdio|http|sse --port N` from argv, with the server's default transport. */
export function hostOptionsFromArgv(argv: string[], fallback: ExampleTransport): HostOptions {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const transport = (value('--transport') ?? fallback) as ExampleTransport;
  if (!['stdio', 'http', 'sse'].includes(transport)) throw new Error(`--transport must be stdio, http or sse, not ${transport}`);
  const port = Number(value('--port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number`);
  return { transport, port };
}
