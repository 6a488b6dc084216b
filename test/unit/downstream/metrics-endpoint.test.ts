import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, type HttpEdge } from '../../../src/downstream/http.ts';
import { setMetricsEnabled } from '../../../src/metrics/metrics.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';

/** `server.metrics: true`: `/metrics` on the MCP port itself, answered before the auth edge (scrapers carry no token). */
let gw: TestGateway;
let edge: HttpEdge;

beforeAll(async () => {
  gw = await startTestGateway({ config: { mcpServers: { local: relayServer('local') } } });
  edge = await serveHttp(gw.gateway, {
    host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 1 << 20, sessionIdleMs: 60_000, metrics: true,
    auth: { handle: async (_req, res) => (res.writeHead(401).end(), true), principalKey: () => undefined },
  });
  setMetricsEnabled(true);
});
afterAll(async () => {
  setMetricsEnabled(false);
  await edge?.close();
  await gw?.close();
});

describe('GET /metrics on the MCP port', () => {
  it('answers the Prometheus text without a token while the rest of the port asks for one', async () => {
    const client = await gw.connect();
    await client.callTool({ name: 'local__echo', arguments: { message: 'hi' } });
    const metrics = await fetch(new URL('/metrics', edge.url));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^warden_requests_total\{method="tools\/call",decision="allow",code="OK"\} [1-9]/m);
    expect((await fetch(edge.url, { method: 'POST' })).status).toBe(401);
    // Another Host (DNS rebinding) is refused here as everywhere on the port.
    const foreign = await new Promise<number | undefined>((resolve, reject) =>
      get(new URL('/metrics', edge.url), { headers: { host: 'evil.example' } }, (res) => (res.resume(), resolve(res.statusCode))).on('error', reject),
    );
    expect(foreign).toBe(403);
  });
});
