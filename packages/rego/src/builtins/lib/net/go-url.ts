/**
 * Go's net/url.Parse, which OPA's uri.parse and uri.is_valid call: the same split into parts and
 * the same refusals with Go's messages (`parse "http://[::1": missing ']' in host`). Parts stay
 * escaped; `unescape` decodes them as Go does (a bad `%` escape is an error).
 */

export interface GoUrl {
  readonly scheme: string;
  /** Set for `scheme:opaque` URLs (no `//` and no leading `/`): Go reports no path then. */
  readonly opaque: string;
  /** undefined without `//` */
  readonly host: string | undefined;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly rawFragment: string;
}

export class GoUrlError extends Error {
  override readonly name = 'GoUrlError';
}

type Mode = 'path' | 'host' | 'fragment' | 'userinfo';

const HEX = /^[0-9a-fA-F]{2}$/;

/** ASCII bytes Go's shouldEscape refuses in a host name (the rest may appear unescaped). */
const HOST_BYTE_REFUSED = /[^A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"%\u0080-\u{10FFFF}]/u;

/** Go's unescape: `%XX` decoded as bytes (then UTF-8), `%` without two hex digits refused. */
export function unescape(text: string, mode: Mode = 'path'): string {
  if (mode === 'host') {
    const bad = HOST_BYTE_REFUSED.exec(text);
    if (bad) throw new GoUrlError(`invalid character ${JSON.stringify(bad[0])} in host name`);
  }
  if (!text.includes('%')) return text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '%') {
      const next = text.indexOf('%', i);
      const end = next < 0 ? text.length : next;
      chunks.push(Buffer.from(text.slice(i, end), 'utf8'));
      i = end;
      continue;
    }
    const escape = text.slice(i, i + 3);
    if (!HEX.test(escape.slice(1)) || (mode === 'host' && parseInt(escape[1]!, 16) < 8 && escape !== '%25')) {
      throw new GoUrlError(`invalid URL escape ${JSON.stringify(escape)}`);
    }
    chunks.push(Buffer.from([parseInt(escape.slice(1), 16)]));
    i += 3;
  }
  return Buffer.concat(chunks).toString('utf8');
}

const validOptionalPort = (port: string): boolean => port === '' || /^:\d*$/.test(port);

function checkHost(host: string): void {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new GoUrlError("missing ']' in host");
    const port = host.slice(close + 1);
    if (!validOptionalPort(port)) throw new GoUrlError(`invalid port ${JSON.stringify(port)} after host`);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) throw new GoUrlError(`invalid port ${JSON.stringify(host.slice(colon))} after host`);
  }
  unescape(host, 'host');
}

function checkAuthority(authority: string): void {
  const at = authority.lastIndexOf('@');
  checkHost(authority.slice(at + 1));
  if (at >= 0 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) throw new GoUrlError('net/url: invalid userinfo');
}

/** The scheme (`getScheme`): letters, then letters, digits, `+-.`, up to the first `:`. */
function splitScheme(text: string): [string, string] {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', text];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new GoUrlError('missing protocol scheme');
      return [text.slice(0, i), text.slice(i + 1)];
    }
    return ['', text];
  }
  return ['', text];
}

/** url.Parse; throws GoUrlError with Go's `parse "<url>": <why>` text. */
export function parseGoUrl(text: string): GoUrl {
  const hash = text.indexOf('#');
  const main = hash < 0 ? text : text.slice(0, hash);
  const rawFragment = hash < 0 ? '' : text.slice(hash + 1);
  let url: GoUrl;
  try {
    url = parseMain(main);
  } catch (error) {
    if (error instanceof GoUrlError) throw new GoUrlError(`parse ${JSON.stringify(main)}: ${error.message}`);
    throw error;
  }
  try {
    unescape(rawFragment, 'fragment');
  } catch (error) {
    if (error instanceof GoUrlError) throw new GoUrlError(`parse ${JSON.stringify(text)}: ${error.message}`);
    throw error;
  }
  return { ...url, rawFragment };
}

function parseMain(text: string): GoUrl {
  if (/[\x00-\x1f\x7f]/.test(text)) throw new GoUrlError('net/url: invalid control character in URL');
  if (text === '*') return { scheme: '', opaque: '', host: undefined, rawPath: '*', rawQuery: '', rawFragment: '' };
  const [scheme, afterScheme] = splitScheme(text);
  let rest = afterScheme;
  let rawQuery = '';
  const question = rest.indexOf('?');
  if (question >= 0) {
    rawQuery = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme: scheme.toLowerCase(), opaque: rest, host: undefined, rawPath: '', rawQuery, rawFragment: '' };
    const segment = rest.split('/')[0]!;
    if (segment.includes(':')) throw new GoUrlError('first path segment in URL cannot contain colon');
  }
  let host: string | undefined;
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    checkAuthority(host);
  }
  unescape(rest, 'path');
  return { scheme: scheme.toLowerCase(), opaque: '', host, rawPath: rest, rawQuery, rawFragment: '' };
}
