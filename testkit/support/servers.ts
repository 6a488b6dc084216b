/**
 * Small real HTTP servers on 127.0.0.1:0 that tests put around the gateway: a JWKS endpoint
 * that can rotate, fail or stall, and a recording reverse proxy in front of an HTTP/SSE upstream
 * that remembers every request the upstream received (headers, bodies, JSON-RPC methods).
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

/** A port free a moment ago, for a process whose config must name its own URL before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return Number(new URL(url).port);
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A JWKS endpoint whose answer a test sets at will, counting every request it receives: an
 * identity provider that can rotate keys, fail, break or stall.
 */
export type JwksBehaviour =
  | { kind: 'serve'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'garbage'; text: string }
  /** Never answers (closeAllConnections() ends it at close); the client must time out. */
  | { kind: 'hang' }
  /** Resets every connection: an unreachable identity provider. */
  | { kind: 'down' };

export class JwksServer {
  behaviour: JwksBehaviour;
  requests = 0;
  readonly #server: Server;

  private constructor(server: Server, behaviour: JwksBehaviour) {
    this.#server = server;
    this.behaviour = behaviour;
  }

  static async start(behaviour: JwksBehaviour = { kind: 'status', status: 404 }): Promise<JwksServer> {
    const server = createServer();
    const jwks = new JwksServer(server, behaviour);
    server.on('request', (request, response) => {
      jwks.requests += 1;
      const current = jwks.behaviour;
      if (current.kind === 'hang') return;
      if (current.kind === 'down') return void request.socket.destroy();
      if (current.kind === 'status') return void response.writeHead(current.status).end();
      const text = current.kind === 'garbage' ? current.text : JSON.stringify(current.body);
      response.writeHead(200, { 'content-type': 'application/json' }).end(text);
    });
    await listen(server);
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    return shut(this.#server);
  }
}

export interface Received {
  method: string | undefined;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface InterceptedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RecordingProxy extends Closable {
  received: Received[];
  /** Called as each request arrives, before it is passed on (e.g. to look at the audit trail then). */
  onReceive: ((request: Received) => void) | undefined;
  /** When set and it returns an answer for a request, that answer is sent instead of the upstream's (a misbehaving upstream). */
  intercept: ((request: Received) => InterceptedAnswer | undefined) | undefined;
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
      const answer = proxy.intercept?.(entry);
      if (answer !== undefined) return void res.writeHead(answer.status, answer.headers).end(answer.body);
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
    intercept: undefined,
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
