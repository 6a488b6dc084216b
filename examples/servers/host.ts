/**
 * Hosts an example MCP server over the transport a team would pick: stdio, Streamable HTTP or the
 * legacy SSE transport. Each HTTP/SSE session gets its own McpServer from the factory, as the SDK
 * requires. Binds 127.0.0.1 only; with port 0 the OS picks one. Prints one line
 * `listening <url>` on stderr so that a launcher can find the port.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export type ExampleTransport = 'stdio' | 'http' | 'sse';

export interface HostOptions {
  transport: ExampleTransport;
  port?: number;
}

export async function host(createMcpServer: () => McpServer, options: HostOptions): Promise<void> {
  if (options.transport === 'stdio') {
    await createMcpServer().connect(new StdioServerTransport());
    return;
  }
  const handle = options.transport === 'http' ? streamableHttpHandler(createMcpServer) : sseHandler(createMcpServer);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : 'internal error');
    });
  });
  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const path = options.transport === 'http' ? '/mcp' : '/sse';
  process.stderr.write(`listening http://127.0.0.1:${port}${path}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function streamableHttpHandler(createMcpServer: () => McpServer): Handler {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  return async (req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return notFound(res);
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res);
    if (sessionId !== undefined) return notFound(res);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
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
    notFound(res);
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
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
