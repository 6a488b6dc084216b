/**
 * Small real HTTP servers on 127.0.0.1:0 that the security suite puts around the gateway:
 * a JWKS endpoint that can be taken down, and a recording reverse proxy in front of an HTTP/SSE
 * upstream that remembers every request the upstream received (headers and JSON-RPC methods).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Closable {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * ok: serves `keys`; down: resets every connection (an unreachable identity provider);
 * garbage: 200 with a body that is not JSON; slow: never answers (the gateway's timeout must).
 */
export type JwksMode = 'ok' | 'down' | 'garbage' | 'slow';

export interface JwksServer extends Closable {
  mode: JwksMode;
  fetches: number;
  keys: { keys: unknown[] };
}

export async function startJwksServer(keys: { keys: unknown[] }): Promise<JwksServer> {
  const state: { mode: JwksMode; fetches: number; keys: { keys: unknown[] } } = { mode: 'ok', fetches: 0, keys };
  const server = createServer((req, res) => {
    state.fetches += 1;
    if (state.mode === 'down') return void req.socket.destroy();
    if (state.mode === 'slow') return; // closeAllConnections() ends it at close
    const body = state.mode === 'garbage' ? '<html>502 Bad Gateway</html>' : JSON.stringify(state.keys);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const base = await listen(server);
  return Object.assign(state, { url: `${base}/jwks.json`, close: () => shut(server) });
}

export interface Received {
  method: string | undefined;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingProxy extends Closable {
  received: Received[];
  /** Called as each request arrives, before it is passed on (e.g. to look at the audit trail then). */
  onReceive: ((request: Received) => void) | undefined;
  /** JSON-RPC request methods the upstream received (notifications and responses excluded). */
  methods(): string[];
}

/**
 * Forwards everything to `target` (origin of the upstream), streaming responses back (SSE
 * streams included), and records each request first. `url` keeps the upstream's path.
 */
export async function startRecordingProxy(upstreamUrl: string): Promise<RecordingProxy> {
  const target = new URL(upstreamUrl);
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { method: req.method, path: req.url ?? '/', headers: req.headers, body: body.toString() };
      received.push(entry);
      proxy.onReceive?.(entry);
      const out = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      out.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
      out.end(body);
    });
  });
  const base = await listen(server);
  const proxy: RecordingProxy = {
    url: `${base}${target.pathname}`,
    received,
    onReceive: undefined,
    methods: () =>
      received.flatMap((r) => {
        if (!r.body) return [];
        const parsed = JSON.parse(r.body) as unknown;
        const messages = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ id?: unknown; method?: string }>;
        return messages.filter((m) => m.id !== undefined && m.method !== undefined).map((m) => m.method!);
      }),
    close: () => shut(server),
  };
  return proxy;
}
