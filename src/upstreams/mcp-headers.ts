import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/client';

/**
 * The Streamable HTTP headers a 2026-07-28 request mirrors from its body (SEP-2243): the
 * protocol version, the method, and for some methods the name the request is about. The gateway
 * checks them on the way in (downstream/era.ts) and sets them on the way out to a new-era
 * upstream (http-transport.ts); the body stays the truth on both sides.
 */

/** Where a method's Mcp-Name header comes from; other methods carry none. */
export const MCP_NAME_SOURCE: ReadonlyMap<string, string> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['tasks/get', 'taskId'],
  ['tasks/update', 'taskId'],
  ['tasks/cancel', 'taskId'],
]);

export const BASE64_PREFIX = '=?base64?';
export const BASE64_SUFFIX = '?=';

/** A header value as sent: plain when it is visible ASCII (or tab) without edge spaces, else the Base64 sentinel form. */
export function encodeMcpName(value: string): string {
  const plain = value.length > 0 && value === value.trim() && /^[\t\x20-\x7e]*$/.test(value) && !(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX));
  return plain ? value : `${BASE64_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${BASE64_SUFFIX}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The headers one outgoing message needs when it carries the new era's per-request envelope
 * (the SDK v2 Client adds it once it negotiated 2026-07-28); none for an old-era message.
 */
export function modernRequestHeaders(message: unknown): Record<string, string> | undefined {
  if (!isObject(message) || typeof message.method !== 'string' || !isObject(message.params)) return undefined;
  const meta = message.params._meta;
  const version = isObject(meta) ? meta[PROTOCOL_VERSION_META_KEY] : undefined;
  if (typeof version !== 'string') return undefined;
  const headers: Record<string, string> = { 'mcp-protocol-version': version, 'mcp-method': message.method };
  const field = MCP_NAME_SOURCE.get(message.method);
  const name = field === undefined ? undefined : message.params[field];
  if (typeof name === 'string') headers['mcp-name'] = encodeMcpName(name);
  return headers;
}
