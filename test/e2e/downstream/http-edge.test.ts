import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/** Raw HTTP against the edge: what a browser or a DNS-rebinding page could send. */
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') }, server: { max_body_bytes: 2048 } } });
  port = Number(new URL(gw.edge.url).port);
});
afterAll(() => gw?.close());

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

function post(headers: Record<string, string>, body: string, target = port, path = '/mcp'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target, path, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP edge', () => {
  it('refuses a foreign Origin with 403', async () => {
    const res = await post({ origin: 'http://evil.example' }, INIT);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: -32000, message: 'Forbidden: Origin http://evil.example is not allowed' }, id: null });
  });

  it('refuses a foreign Host on a localhost bind with 403 (DNS rebinding)', async () => {
    const res = await post({ host: `evil.example:${port}` }, INIT);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toBe(`Forbidden: Host evil.example:${port} is not allowed`);
  });

  it('refuses a foreign Host right after the usual one passed (the guard remembers only what it let through)', async () => {
    expect((await post({ host: `localhost:${port}` }, INIT)).status).toBe(200);
    expect((await post({ host: `localhost.evil.example:${port}` }, INIT)).status).toBe(403);
    expect((await post({ host: `localhost:${port}` }, INIT)).status).toBe(200);
  });

  it.each(['a b', '[::1', 'localhost:99999x'])('refuses a Host header that is no host (%s) with 403, not a 500', async (host) => {
    const res = await post({ host }, INIT);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toBe(`Forbidden: Host ${host} is not allowed`);
  });

  it('accepts a localhost Origin and Host', async () => {
    const res = await post({ origin: 'http://localhost:3000', host: `localhost:${port}` }, INIT);
    expect(res.status).toBe(200);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await post({}, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(4096) } }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: -32600, message: 'Request body exceeds 2048 bytes', data: { code: 'REQUEST_TOO_LARGE' } } });
  });

  it('answers 400 with a parse error for a body that is not JSON', async () => {
    const res = await post({}, '{"jsonrpc":');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: -32700, data: { code: 'REQUEST_INVALID' } });
  });

  it.each(['//', '//[x', '//a%'])('answers 404 for a path that new URL(path, base) took for a host (%s), not a 500', async (path) => {
    const res = await post({}, INIT, port, path);
    expect(res.status).toBe(404);
  });

  it.each(['*'])('answers 400 for a request target that is no URL (%s), not a 500', async (path) => {
    const res = await post({}, INIT, port, path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: -32600, message: 'Bad request target', data: { code: 'REQUEST_INVALID' } });
  });

  it('does not read a target that starts with // as a host: //evil/mcp is no /mcp', async () => {
    expect((await post({}, INIT, port, '//evil.example/mcp')).status).toBe(404);
    expect((await post({}, INIT, port, 'http://localhost/mcp')).status).toBe(200);
  });

  it('answers 404 for an unknown session and 400 for a request without one', async () => {
    expect((await post({ 'mcp-session-id': 'nope' }, INIT)).status).toBe(404);
    expect((await post({}, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }))).status).toBe(400);
  });
});

describe('HTTP edge - bound to every interface', () => {
  it('checks no Host name then, but refuses a Host header that is no host at all', async () => {
    const { serveHttp } = await import('../../../src/downstream/http.ts');
    const edge = await serveHttp(gw.gateway, { host: '0.0.0.0', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 2048, sessionIdleMs: 60_000 });
    try {
      const open = Number(new URL(edge.url).port);
      expect((await post({ host: `gateway.example:${open}` }, INIT, open)).status).toBe(200);
      const malformed = await post({ host: 'a b' }, INIT, open);
      expect(malformed.status).toBe(403);
      expect(JSON.parse(malformed.body).error.message).toBe('Forbidden: Host a b is not allowed');
    } finally {
      await edge.close();
    }
  });
});

describe('HTTP edge - auth hook', () => {
  it('runs the auth edge after the Origin guard and before any MCP handling', async () => {
    const { serveHttp } = await import('../../../src/downstream/http.ts');
    const seen: string[] = [];
    const edge = await serveHttp(gw.gateway, {
      host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 2048, sessionIdleMs: 60_000,
      auth: {
        handle: async (req, res) => {
          seen.push(req.headers.authorization ?? '(none)');
          if (req.headers.authorization !== undefined) return false;
          res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
          return true;
        },
        principalKey: () => undefined,
      },
    });
    try {
      const hooked = Number(new URL(edge.url).port);
      const send = (headers: Record<string, string>) => post(headers, INIT, hooked);
      expect((await send({ origin: 'http://evil.example' })).status).toBe(403);
      expect(seen).toEqual([]);
      expect((await send({})).status).toBe(401);
      expect((await send({ authorization: 'Bearer t' })).status).toBe(200);
      expect(seen).toEqual(['(none)', 'Bearer t']);
    } finally {
      await edge.close();
    }
  });
});

describe('HTTP edge - idle sessions', () => {
  it('closes a Streamable HTTP session that sent nothing for session_idle_ms; its id then answers 404', async () => {
    const { serveHttp } = await import('../../../src/downstream/http.ts');
    const edge = await serveHttp(gw.gateway, { host: '127.0.0.1', port: 0, allowedHosts: [], allowedOrigins: [], maxBodyBytes: 2048, sessionIdleMs: 150 });
    try {
      const target = Number(new URL(edge.url).port);
      const sessions = gw.gateway.sessions.size;
      const init = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: target, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
          res.resume();
          resolve(String(res.headers['mcp-session-id']));
        });
        req.on('error', reject);
        req.end(INIT);
      });
      expect(gw.gateway.sessions.size).toBe(sessions + 1);
      await new Promise((r) => setTimeout(r, 500));
      expect(gw.gateway.sessions.size).toBe(sessions);
      const late = await post({ 'mcp-session-id': init }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), target);
      expect(late.status).toBe(404);
    } finally {
      await edge.close();
    }
  });
});
