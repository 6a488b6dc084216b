import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type JwksBehaviour =
  | { kind: 'serve'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'garbage'; text: string }
  | { kind: 'hang' };

/**
 * A real JWKS endpoint on 127.0.0.1 (ephemeral port) whose answer a test sets at will, counting
 * every request it receives.
 */
export class JwksServer {
  behaviour: JwksBehaviour = { kind: 'status', status: 404 };
  requests = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<JwksServer> {
    const server = createServer();
    const jwks = new JwksServer(server);
    server.on('request', (request, response) => {
      jwks.requests += 1;
      const behaviour = jwks.behaviour;
      if (behaviour.kind === 'hang') return; // never answers; the client must time out
      if (behaviour.kind === 'status') return void response.writeHead(behaviour.status).end();
      const text = behaviour.kind === 'garbage' ? behaviour.text : JSON.stringify(behaviour.body);
      response.writeHead(200, { 'content-type': 'application/json' }).end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks.json`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
