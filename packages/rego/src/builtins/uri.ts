import type { Value } from '../value.ts';
import { RObject } from '../value.ts';
import type { Builtin } from './types.ts';
import { stringArg } from './args.ts';
import { builtinError } from '../errors.ts';

/**
 * uri.parse(text): the components of a URI as Go's net/url reports them, each present only when
 * not empty. An opaque URI (`mailto:user@example.com`) reports only its scheme.
 */

const URI = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

export interface UriParts {
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

function splitAuthority(authority: string): { hostname: string; port: string } {
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(host);
  if (bracketed) return { hostname: bracketed[1]!, port: bracketed[2] ?? '' };
  const colon = host.lastIndexOf(':');
  return colon < 0 ? { hostname: host, port: '' } : { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

/** Go's url.PathUnescape; undefined for a malformed escape. */
export function pathUnescape(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function unescape(text: string): string {
  const decoded = pathUnescape(text);
  if (decoded === undefined) throw builtinError('uri.parse', `invalid URL escape in ${JSON.stringify(text)}`);
  return decoded;
}

function parse(args: Value[]): RObject {
  const { scheme, authority, rawPath, rawQuery, rawFragment: fragment } = uriParts(stringArg('uri.parse', args, 1));
  const opaque = scheme !== '' && authority === undefined && !rawPath.startsWith('/');
  const { hostname, port } = authority === undefined ? { hostname: '', port: '' } : splitAuthority(authority);
  const path = opaque ? '' : rawPath;
  const fields: [string, string][] = [
    ['scheme', scheme],
    ['hostname', hostname],
    ['port', port],
    ['path', unescape(path)],
    ['raw_path', path],
    ['raw_query', opaque ? '' : rawQuery],
    ['fragment', opaque ? '' : unescape(fragment)],
  ];
  return RObject.fromEntries(fields.filter(([, value]) => value !== ''));
}

export const uriBuiltins: Builtin[] = [{ name: 'uri.parse', arity: 1, impl: parse }];
