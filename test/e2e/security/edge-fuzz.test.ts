import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUZZ_METHODS, fuzzText } from '../../../testkit/support/fuzz-messages.ts';
import { modernEnvelope } from '../../../testkit/support/rpc.ts';
import { startWorld, type World } from '../../../testkit/support/worlds/security.ts';

/**
 * Whatever a client sends, the HTTP edge answers it for what it is (2xx, 4xx) and never with a
 * 500 or an error logged: two such holes were found by reading the code (a Host header or a
 * request target that `new URL` could not read, 2026-12-07; on the code before, this test's first
 * counterexample was `GET /mcp` with an empty Host). Random requests, written as raw
 * bytes to a real `warden serve --http` (JWT auth, Rego, SQLite audit, three upstreams): methods,
 * paths, the headers the gateway reads (Host, Origin, Authorization, Mcp-Session-Id, the
 * Mcp-* and protocol-version headers, traceparent, content-type), and bodies from valid requests
 * of both eras to batches, prototype keys, deep nesting and bytes that are no JSON.
 */
let world: World;
let token: string;
let port: number;

beforeAll(async () => {
  world = await startWorld();
  token = await world.token();
  port = Number(new URL(world.gateway.url).port);
}, 60_000);
afterAll(() => world?.close());

const ENVELOPE = modernEnvelope();
const json = fc.jsonValue({ maxDepth: 3 });
/** Requests the gateway serves, with the headers each era asks for: new-era calls and lists, an old-era initialize. */
const BASE_HEADERS = { host: '127.0.0.1:PORT', authorization: 'Bearer TOKEN', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const newEra = (method: string, name: string | undefined, params: Record<string, unknown>, id: number) => ({
  method: 'POST', path: '/mcp', body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } }),
  headers: { ...BASE_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) } as Record<string, string | undefined>,
});
const wellFormed = fc.oneof(
  fc.record({ id: fc.integer(), name: fc.constantFrom('stdio__echo', 'http__echo'), message: fc.string({ maxLength: 20 }) }).map(({ id, name, message }) => newEra('tools/call', name, { name, arguments: { message } }, id)),
  fc.integer().map((id) => newEra('tools/list', undefined, {}, id)),
  // A retry after input_required with a state of the caller's making, and other named requests with any name.
  fc.record({ id: fc.integer(), state: fc.oneof(fc.string({ maxLength: 80 }), fc.base64String({ maxLength: 120 })), responses: json }).map(({ id, state, responses }) =>
    newEra('tools/call', 'stdio__echo', { name: 'stdio__echo', arguments: { message: 'x' }, requestState: state, inputResponses: responses }, id),
  ),
  fc.record({ id: fc.integer(), method: fc.constantFrom('tasks/get', 'tasks/cancel', 'resources/read', 'prompts/get'), name: fc.string({ maxLength: 20 }).filter((name) => /^[\x20-\x7e]+$/.test(name) && name.trim() === name) }).map(({ id, method, name }) =>
    newEra(method, name, method.startsWith('tasks/') ? { taskId: name } : method === 'resources/read' ? { uri: name } : { name }, id),
  ),
  fc.record({ id: fc.integer(), params: fc.dictionary(fc.string({ maxLength: 8 }), json) }).map(({ id, params }) => newEra('subscriptions/listen', undefined, params, id)),
  fc.integer().map((id) => ({
    method: 'POST', path: '/mcp', headers: { ...BASE_HEADERS } as Record<string, string | undefined>,
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
  })),
);
const body = fuzzText(['stdio__echo', 'http__echo']);
const path = fc.oneof(
  fc.constantFrom('/mcp', '/mcp?x=1', '/sse', '/messages', '/messages?sessionId=nope', '/healthz', '/readyz', '/metrics', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/console/', '//', '//[x', '//a%', '/%', '/mcp/../mcp', '*', '/constructor', '/__proto__'),
  fc.stringMatching(/^\/[\x21-\x7e]{0,24}$/),
);
/** Header values as bytes on the wire allow: anything but CR and LF (Node refuses some itself, with its own 400). */
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const headerValues: Record<string, fc.Arbitrary<string>> = {
  host: fc.oneof(fc.constantFrom('localhost:PORT', 'a b', '[::1', 'evil.example', ''), headerValue),
  origin: fc.oneof(fc.constantFrom('http://localhost:3000', 'null', 'http://evil.example', '::'), headerValue),
  authorization: fc.oneof(fc.constantFrom('Bearer', 'Bearer x.y.z', 'Basic dXNlcjpwYXNz', 'bearer TOKEN '), headerValue),
  'content-type': fc.oneof(fc.constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'), headerValue),
  accept: fc.oneof(fc.constantFrom('application/json', 'text/event-stream', '*/*'), headerValue),
  'mcp-session-id': fc.oneof(headerValue, fc.constant('x'.repeat(300))),
  'mcp-protocol-version': fc.oneof(fc.constantFrom('2025-11-25', '2026-07-28', '2024-11-05'), headerValue),
  'mcp-method': fc.oneof(fc.constantFrom(...FUZZ_METHODS), headerValue),
  'mcp-name': headerValue,
  traceparent: fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), headerValue),
};
interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}
/** One change to a request a client would send: another method, path or body, a header changed, dropped or added. */
const mutation = fc.oneof(
  fc.constantFrom('GET', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'PATCH').map((method) => (r: RawRequest) => ({ ...r, method })),
  path.map((to) => (r: RawRequest) => ({ ...r, path: to })),
  body.map((to) => (r: RawRequest) => ({ ...r, body: to })),
  fc.constantFrom(...Object.keys(headerValues)).chain((name) =>
    fc.option(headerValues[name]!, { nil: undefined }).map((value) => (r: RawRequest) => ({ ...r, headers: { ...r.headers, [name]: value } })),
  ),
);
/** Mostly a request the gateway serves with up to three changes; a few wholly random ones. */
const request = fc.oneof(
  { arbitrary: fc.tuple(wellFormed, fc.array(mutation, { maxLength: 3 })).map(([valid, changes]) => changes.reduce((r, change) => change(r), valid)), weight: 4 },
  fc.record({ method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'PATCH'), path, headers: fc.record(Object.fromEntries(Object.entries(headerValues).map(([name, value]) => [name, fc.option(value, { nil: undefined })]))), body }),
);

/** Writes one request as raw bytes on its own connection; resolves with the status code, or 0 when the connection closed unanswered. */
function send(request: RawRequest): Promise<number> {
  const bytes = Buffer.from(request.body, 'utf8');
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) lines.push(`${name}: ${value.replaceAll('PORT', String(port)).replace('TOKEN', token)}`);
  lines.push(`content-length: ${bytes.length}`, 'connection: close', '', '');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    const done = (status: number) => {
      socket.destroy();
      resolve(status);
    };
    socket.setTimeout(5_000, () => done(0));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) done(Number(status[1]));
    });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
    // write, not end: Node's HTTP server takes a client's half-close for an abort of what is unanswered.
    socket.write(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), bytes]));
  });
}

describe('the HTTP edge under random requests', () => {
  it('answers every one with a status below 500 and logs no error', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (one) => {
        const status = await send(one);
        seen.set(status, (seen.get(status) ?? 0) + 1);
        expect(status, `${one.method} ${one.path}`).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    // The run reached past the guard and the auth edge, not only their refusals.
    expect([...seen.keys()].some((status) => status >= 200 && status < 300), JSON.stringify([...seen])).toBe(true);
    const errors = world.gateway.stderr.filter((line) => (JSON.parse(line) as { level?: number }).level! >= 50);
    expect(errors).toEqual([]);
  }, 120_000);
});
