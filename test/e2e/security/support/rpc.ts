/**
 * Raw JSON-RPC over the gateway's Streamable HTTP endpoint with fetch, so tests can assert
 * status codes and headers that an SDK client hides.
 */
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
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...options.headers };
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
  if (authorization !== undefined) headers.authorization = authorization;
  if (options.session !== undefined) headers['mcp-session-id'] = options.session;
  const response = await fetch(url + (options.query ?? ''), { method: 'POST', headers, body: JSON.stringify(message) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseBody(text, response.headers.get('content-type') ?? '', message.id) };
}

function parseBody(text: string, type: string, id: unknown): RpcResponse['body'] {
  if (!text) return undefined;
  if (!type.includes('text/event-stream')) return JSON.parse(text) as RpcResponse['body'];
  const events = text.split('\n').filter((line) => line.startsWith('data:')).map((line) => JSON.parse(line.slice(5)) as NonNullable<RpcResponse['body']>);
  return events.find((event) => event.id === id) ?? events.at(-1);
}

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
