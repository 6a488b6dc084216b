/**
 * The smallest MCP upstream that can stand behind the gateway: JSON-RPC over plain `node:http`
 * (no SDK), one JSON answer per POST, no sessions, no streams. It answers `initialize` (old era),
 * `server/discover` (new era), `tools/list` with one `echo` tool and `tools/call` of it, and
 * accepts notifications with 202. With an SDK server behind it the gateway's own cost drowns in
 * the upstream's; with this one, what the bench times beyond a direct call is the gateway.
 * Usage: `node --import tsx bench/minimal-upstream.ts [--port 0]`; prints `listening <url>` on stderr.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const INFO = { name: 'minimal-upstream', version: '1.0.0' };
const ECHO = { name: 'echo', description: 'Echoes its message', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } };

type Params = { protocolVersion?: unknown; arguments?: { message?: unknown }; name?: unknown; _meta?: Record<string, unknown> };

function answer(method: string, params: Params): { result: Record<string, unknown> } | { error: { code: number; message: string } } {
  const modern = params._meta?.['io.modelcontextprotocol/protocolVersion'] === MODERN;
  const complete = modern ? { resultType: 'complete' } : {};
  switch (method) {
    case 'initialize':
      return { result: { protocolVersion: LEGACY, capabilities: { tools: {} }, serverInfo: INFO } };
    case 'server/discover':
      return { result: { ...complete, supportedVersions: [MODERN], capabilities: { tools: {} }, serverInfo: INFO } };
    case 'ping':
      return { result: { ...complete } };
    case 'tools/list':
      return { result: { ...complete, tools: [ECHO], ...(modern ? { ttlMs: 60_000, cacheScope: 'public' } : {}) } };
    case 'tools/call':
      if (params.name !== 'echo') return { error: { code: -32602, message: `Unknown tool: ${String(params.name)}` } };
      return { result: { ...complete, content: [{ type: 'text', text: String(params.arguments?.message ?? '') }] } };
    default:
      return { error: { code: -32601, message: `Method not found: ${method}` } };
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') return void res.writeHead(405).end();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let message: { id?: string | number; method?: string; params?: Params };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
    } catch {
      return void res.writeHead(400).end();
    }
    if (message.id === undefined || typeof message.method !== 'string') return void res.writeHead(202).end();
    const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, ...answer(message.method, message.params ?? {}) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}

const portArg = process.argv.indexOf('--port');
const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(portArg === -1 ? 0 : Number(process.argv[portArg + 1]), '127.0.0.1', () => {
  process.stderr.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
