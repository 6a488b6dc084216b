import type { Value } from '../value.ts';
import { RObject } from '../value.ts';
import type { Builtin } from './types.ts';
import { stringArg } from './args.ts';
import { builtinError } from '../errors.ts';
import { GoUrlError, parseGoUrl, unescape } from './lib/net/go-url.ts';
import type { GoUrl } from './lib/net/go-url.ts';

/**
 * uri.parse and uri.is_valid over Go's url.Parse (lib/net/go-url.ts). An opaque URI
 * (`mailto:user@example.com`) reports no host or path. uriParts/pathUnescape: the plain RFC 3986
 * split that providers.aws.sign_req uses.
 */

const URI = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

interface UriParts {
  readonly scheme: string;
  /** undefined without `//` */
  readonly authority: string | undefined;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly rawFragment: string;
}

/** RFC 3986 components, still escaped (every string matches the pattern). */
export function uriParts(text: string): UriParts {
  const [, scheme = '', authority, rawPath = '', rawQuery = '', rawFragment = ''] = URI.exec(text)!;
  return { scheme, authority, rawPath, rawQuery, rawFragment };
}

/** Go's url.PathUnescape; undefined for a malformed escape. */
export function pathUnescape(text: string): string | undefined {
  try {
    return unescape(text);
  } catch (error) {
    if (error instanceof GoUrlError) return undefined;
    throw error;
  }
}

/** Go's escape(path, encodePath): what `setPath` compares with to decide whether RawPath is kept. */
function escapePath(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's splitHostPort behind URL.Hostname() and URL.Port(). */
function splitHostPort(host: string): { hostname: string; port: string } {
  let hostname = host;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && /^:\d*$/.test(host.slice(colon))) {
    hostname = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port };
}

function goUrl(name: string, text: string): GoUrl {
  try {
    return parseGoUrl(text);
  } catch (error) {
    if (error instanceof GoUrlError) throw builtinError(name, error.message);
    throw error;
  }
}

/** OPA's uri.parse: url.Parse's parts, each present only when not empty. */
function parse(args: Value[]): RObject {
  const url = goUrl('uri.parse', stringArg('uri.parse', args, 1));
  const host = url.host === undefined ? '' : unescape(url.host.slice(url.host.lastIndexOf('@') + 1), 'host');
  const { hostname, port } = splitHostPort(host);
  const path = unescape(url.rawPath);
  const rawPath = escapePath(path) === url.rawPath ? '' : url.rawPath;
  const fields: [string, string][] = [
    ['scheme', url.scheme],
    ['hostname', hostname],
    ['port', port],
    ['path', path],
    ['raw_path', path === '' ? '' : rawPath || path],
    ['raw_query', url.rawQuery],
    ['fragment', unescape(url.rawFragment, 'fragment')],
  ];
  return RObject.fromEntries(fields.filter(([, value]) => value !== ''));
}

/** uri.is_valid: url.Parse accepts it; the empty string and non-strings are not valid (OPA's choice). */
function isValid([value]: Value[]): boolean {
  if (typeof value !== 'string' || value === '') return false;
  try {
    parseGoUrl(value);
    return true;
  } catch (error) {
    if (error instanceof GoUrlError) return false;
    throw error;
  }
}

export const uriBuiltins: Builtin[] = [
  { name: 'uri.parse', arity: 1, impl: parse },
  { name: 'uri.is_valid', arity: 1, impl: isValid },
];
