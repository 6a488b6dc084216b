/**
 * Raw JSON-RPC over the gateway's Streamable HTTP endpoint with fetch, so tests can assert
 * status codes and headers that an SDK client hides (`post`, `openCaller`), or control every byte
 * of the body (`postRaw`: keys such as `__proto__`, numbers beyond double precision).
 */

import { MCP_NAME_SOURCE } from '../../src/upstreams/mcp-headers.ts';

export interface RpcResponse {
  status: number;
  headers: Headers;
  /** The JSON-RPC message answering our request (JSON body or the matching SSE event). */
  body: { id?: unknown; result?: any; error?: { code: number; message: string; data?: any } } | undefined;
}

export interface PostOptions {
  token?: string;
  /** The raw Authorization header, overriding `token`. */
  authorization?: string;
  session?: string;
  headers?: Record<string, string>;
  /** Appended to the URL (e.g. `?access_token=...`). */
  query?: string;
}

let nextId = 1;

export async function post(url: string, message: Record<string, unknown>, options: PostOptions = {}): Promise<RpcResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
  if (authorization !== undefined) headers.authorization = authorization;
  const answer = await exchange(url + (options.query ?? ''), JSON.stringify(message), headers, options.session);
  if (!answer.text) return { status: answer.status, headers: answer.headers, body: undefined };
  if (!answer.sse) return { status: answer.status, headers: answer.headers, body: JSON.parse(answer.text) as RpcResponse['body'] };
  const events = sseMessages(answer.text) as Array<NonNullable<RpcResponse['body']>>;
  return { status: answer.status, headers: answer.headers, body: events.find((event) => event.id === message.id) ?? events.at(-1) };
}

/** The per-request envelope of a 2026-07-28 request (`params._meta`), declaring `capabilities`. */
export const modernEnvelope = (capabilities: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw-test-client', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': capabilities,
});

/**
 * One new-era (2026-07-28) request: the envelope in `params._meta` and the headers that mirror
 * the body (`Mcp-Method`, and `Mcp-Name` from the field the method names: `params.name`, `params.uri`, `params.taskId`).
 */
export function postModern(url: string, method: string, params: Record<string, unknown>, options: PostOptions & { capabilities?: Record<string, unknown> } = {}): Promise<RpcResponse> {
  const headers: Record<string, string> = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...options.headers };
  const field = MCP_NAME_SOURCE.get(method);
  if (field !== undefined && typeof params[field] === 'string') headers['mcp-name'] ??= params[field];
  return post(url, request(method, { ...params, _meta: modernEnvelope(options.capabilities) }), { ...options, headers });
}

/** One POST of `body` as it is; the answer's text and whether it is an SSE stream. */
async function exchange(url: string, body: string, extra: Record<string, string>, session?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...extra };
  if (session !== undefined) headers['mcp-session-id'] = session;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, sse: (response.headers.get('content-type') ?? '').includes('text/event-stream') };
}

/** The JSON-RPC messages in the data lines of an SSE stream. */
const sseMessages = (text: string): unknown[] => text.split('\n').filter((line) => line.startsWith('data:')).map((line) => JSON.parse(line.slice(5)) as unknown);

export const request = (method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: nextId++, method, params });

export const initializeMessage = (clientInfo: Record<string, unknown> = { name: 'security-suite', version: '1' }) =>
  request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo });

/** initialize + notifications/initialized; resolves the session id. */
export async function openSession(url: string, token: string, clientInfo?: Record<string, unknown>, headers?: Record<string, string>): Promise<string> {
  const init = await post(url, initializeMessage(clientInfo), { token, ...(headers ? { headers } : {}) });
  const session = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !session) throw new Error(`initialize failed: ${init.status} ${JSON.stringify(init.body)}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { token, session });
  return session;
}

export interface Caller {
  session: string;
  token: string;
  /** One JSON-RPC request in this caller's session; resolves the whole HTTP response. */
  send(method: string, params?: Record<string, unknown>, headers?: Record<string, string>): Promise<RpcResponse>;
  /** Every item of a paginated list (`key` is the result's array: tools, prompts, ...). */
  list(method: string, key: string): Promise<Array<Record<string, unknown>>>;
}

export async function openCaller(url: string, token: string, clientInfo?: Record<string, unknown>, headers?: Record<string, string>): Promise<Caller> {
  const session = await openSession(url, token, clientInfo, headers);
  const send: Caller['send'] = (method, params = {}, extra) => post(url, request(method, params), { token, session, ...(extra ? { headers: extra } : {}) });
  return {
    session,
    token,
    send,
    async list(method, key) {
      const items: Array<Record<string, unknown>> = [];
      let cursor: unknown;
      do {
        const { body } = await send(method, cursor === undefined ? {} : { cursor });
        if (!body?.result) throw new Error(`${method} failed: ${JSON.stringify(body)}`);
        items.push(...(body.result[key] as Array<Record<string, unknown>>));
        cursor = body.result.nextCursor;
      } while (cursor !== undefined);
      return items;
    },
  };
}

export interface RawAnswer {
  status: number;
  /** Every JSON-RPC message of the answer (a JSON body, or the data lines of an SSE stream). */
  messages: Array<{ id?: unknown; result?: any; error?: { code: number; message: string; data?: any } }>;
}

export async function postRaw(url: string, body: string, session?: string): Promise<RawAnswer> {
  const answer = await exchange(url, body, {}, session);
  const messages = !answer.text ? [] : answer.sse ? sseMessages(answer.text) : [JSON.parse(answer.text)].flat();
  return { status: answer.status, messages: messages as RawAnswer['messages'] };
}

/** The JSON-RPC error an SDK client's request was refused with (`data.code` is our stable code); throws if it was answered. */
export async function refusal(promise: Promise<unknown>): Promise<{ code: number; message: string; data: { code: string; decisionId: string; reason?: string } }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the request to be refused');
}
