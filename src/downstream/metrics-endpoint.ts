import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../metrics/index.ts';
import type { ConsoleHandler } from '../console/index.ts';
import type { Gateway } from '../gateway/index.ts';
import { type GuardOptions, refuseReason, sendError } from './http-guard.ts';
import { type HealthSources, READINESS_PATH, readiness, sendReadiness } from './readiness.ts';
import { requestUrl } from '../request-url.ts';
import { listenOn } from './listen-on.ts';

/**
 * `GET /metrics` in the Prometheus text format. Served without a token, like `/readyz`: scrapers
 * carry none, and nothing in it names a principal, an argument or a tool (metrics/metrics.ts keeps
 * labels to stage names, codes, methods and configured upstream names). Operators who would
 * rather not expose even that on the MCP port set `server.admin_port` instead of `server.metrics`.
 */
export const METRICS_PATH = '/metrics';

export async function sendMetrics(res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body);
}

export interface AdminEdge {
  url: string;
  close(): Promise<void>;
}

/**
 * The admin listener (`server.admin_port`): `/metrics`, `/readyz` and `/console` (console.listener admin), on the gateway's host,
 * behind the same Host/Origin guard as the MCP port (a rebound DNS name must not read it either).
 */
export async function serveAdmin(
  gateway: Gateway,
  options: Omit<GuardOptions, 'maxBodyBytes'> & { health: HealthSources; draining: () => boolean; console?: ConsoleHandler | undefined },
): Promise<AdminEdge> {
  const guard = { ...options, maxBodyBytes: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = refuseReason(req, guard);
    if (refused) return sendError(res, 403, -32000, `Forbidden: ${refused}`, 'REQUEST_INVALID');
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return sendError(res, 400, -32600, 'Bad request target', 'REQUEST_INVALID');
    if (req.method === 'GET' && path === METRICS_PATH) return sendMetrics(res);
    if (req.method === 'GET' && path === READINESS_PATH) return sendReadiness(res, readiness(gateway, options.health, options.draining()));
    if (options.console && (await options.console.handle(req, res))) return;
    sendError(res, 404, -32601, `Not found: ${path}`, 'METHOD_NOT_FOUND');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      gateway.log.error({ err: error }, 'admin request failed');
      if (!res.headersSent) sendError(res, 500, -32603, 'Internal error', 'INTERNAL');
    });
  });
  await listenOn(server, options.host, options.port, 'server.admin_port');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
