import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createFixtureServer } from './fixture-server.ts';

export interface HttpFixture {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the fixture over Streamable HTTP (`/mcp`) or legacy SSE (`/sse` + `/messages`) on 127.0.0.1.
 * Streamable HTTP answers calls as SSE streams, or as plain JSON bodies with `jsonResponse`.
 */
export async function startHttpFixture(kind: 'http' | 'sse', name: string, port = 0, options: { jsonResponse?: boolean } = {}): Promise<HttpFixture> {
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (kind === 'sse' && req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sse.set(transport.sessionId, transport);
      transport.onclose = () => sse.delete(transport.sessionId);
      await createFixtureServer(name).connect(transport);
      return;
    }
    if (kind === 'sse' && req.method === 'POST' && url.pathname === '/messages') {
      const transport = sse.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) return void res.writeHead(404).end();
      return transport.handlePostMessage(req, res);
    }
    if (kind === 'http' && url.pathname === '/mcp') {
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? streamable.get(id) : undefined;
      if (!transport) {
        if (id !== undefined) return void res.writeHead(404).end();
        transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, enableJsonResponse: options.jsonResponse === true, onsessioninitialized: (sid) => void streamable.set(sid, transport!) });
        await createFixtureServer(name).connect(transport);
      }
      return transport.handleRequest(req, res);
    }
    res.writeHead(404).end();
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${kind === 'sse' ? '/sse' : '/mcp'}`,
    close: async () => {
      await Promise.all([...streamable.values(), ...sse.values()].map((t) => t.close().catch(() => undefined)));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
