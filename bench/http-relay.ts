/**
 * The floor of any HTTP gateway written on `node:http` on this machine: a server that reads each
 * POST whole, parses it (any gateway that decides from the body must), strips the `min__`
 * namespace from the tool name, sends it to the upstream over a keep-alive agent and answers with
 * the upstream's status and body. No authentication, no policy, no audit, no MCP beyond that. The
 * http bench times the same new-era call through it beside the gateway: what the gateway adds
 * beyond this row is its own work; this row is what Node's HTTP server and client and the extra
 * hop cost here.
 * Usage: `node --import tsx bench/http-relay.ts <upstream url>`; prints `listening <url>` on stderr.
 */
import { Agent, createServer, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true });
const PASSED_HEADERS = ['content-type', 'accept', 'mcp-protocol-version', 'mcp-method', 'mcp-session-id'] as const;

function readBody(stream: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(Buffer.concat(chunks)));
}

function upstreamHeaders(from: IncomingHttpHeaders, body: string, name: unknown): Record<string, string> {
  const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(body)) };
  for (const key of PASSED_HEADERS) {
    const value = from[key];
    if (typeof value === 'string') headers[key] = value;
  }
  if (typeof name === 'string') headers['mcp-name'] = name;
  return headers;
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  readBody(req, (raw) => {
    const message = JSON.parse(raw.toString('utf8')) as { params?: { name?: unknown } };
    const name = message.params?.name;
    if (typeof name === 'string' && name.startsWith('min__')) message.params!.name = name.slice('min__'.length);
    const body = JSON.stringify(message);
    const forwarded = request(
      { agent, hostname: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers: upstreamHeaders(req.headers, body, message.params?.name) },
      (answer) =>
        readBody(answer, (answered) => {
          res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': answered.length }).end(answered);
        }),
    );
    forwarded.on('error', () => res.writeHead(502).end());
    forwarded.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
