/**
 * JSON-RPC over the gateway's Streamable HTTP endpoint with the body as raw text, so a test
 * controls every byte the client sends (keys such as `__proto__`, numbers beyond double precision).
 */
export interface RawAnswer {
  status: number;
  /** Every JSON-RPC message of the answer (a JSON body, or the data lines of an SSE stream). */
  messages: Array<{ id?: unknown; result?: any; error?: { code: number; message: string; data?: any } }>;
}

export async function postRaw(url: string, body: string, session?: string): Promise<RawAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
  if (session !== undefined) headers['mcp-session-id'] = session;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages = !text ? [] : type.includes('text/event-stream')
    ? text.split('\n').filter((line) => line.startsWith('data:')).map((line) => JSON.parse(line.slice(5)))
    : [JSON.parse(text)].flat();
  return { status: response.status, messages };
}
