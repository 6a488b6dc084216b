import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Authenticator, Principal } from '../auth/index.ts';
import { isWardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { ApiError, type ApiDeps, authorizePage, PAGES, type Page, pagesAllowed, readCatalog, readPage } from './api.ts';
import type { ConsoleConfig } from './config.ts';
import { createDevLogin, createOidcLogin, type DevLogin, type OidcLogin } from './login.ts';
import { ConsoleSessions, overTls } from './sessions.ts';
import { requestUrl } from '../request-url.ts';

/**
 * `/console` (issue 16): a read-only page, its ES module and stylesheet (served from
 * web/, no bundler, no CDN), the JSON reads of api.ts, and the logins of login.ts.
 * Every response carries a strict Content-Security-Policy: scripts and styles only from this
 * origin, no inline script or style, no frames; the page builds its DOM with textContent, so a
 * tool description or an argument with markup is shown as text.
 */
export interface ConsoleHandler {
  /** Handles `/console...`; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface ConsoleOptions extends ApiDeps {
  config: ConsoleConfig;
  baseDir: string;
  authenticator: Authenticator;
  log: Logger;
}

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it, Chromium sends `Origin: null` on a same-origin form POST.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};
/** web/ at the package root: the same files from the sources and from the published bundle. */
const ASSETS_DIR = join(PACKAGE_ROOT, 'web');
const ASSETS = new Map([
  ['/console/', ['index.html', 'text/html; charset=utf-8']],
  ['/console/assets/console.js', ['console.js', 'text/javascript; charset=utf-8']],
  ['/console/assets/console.css', ['console.css', 'text/css; charset=utf-8']],
]);

export async function createConsole(options: ConsoleOptions): Promise<ConsoleHandler> {
  const sessions = new ConsoleSessions();
  const dev: DevLogin | undefined = options.config.dev_login && (await createDevLogin(options.config.dev_login, options.baseDir, options.authenticator));
  const oidc: OidcLogin | undefined = options.config.oidc && createOidcLogin(options.config.oidc);
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [path, [file, type]] of ASSETS) assets.set(path, { body: await readFile(join(ASSETS_DIR, file!)), type: type! });

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra }).end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown): void => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
  const redirect = (res: ServerResponse, to: string, cookie?: string): void => {
    res.writeHead(303, { ...SECURITY_HEADERS, location: to, ...(cookie ? { 'set-cookie': cookie } : {}) }).end();
  };

  /** The viewer, verified again on every request (an expired or revoked token ends the session). */
  async function viewer(req: IncomingMessage): Promise<Principal> {
    const token = sessions.tokenOf(req);
    if (token === undefined) throw new ApiError(401, 'AUTH_TOKEN_MISSING', 'Not logged in');
    const principal = await options.authenticator.authenticate(token).catch((error: unknown) => {
      throw new ApiError(401, isWardenError(error) && error.code.startsWith('AUTH_') ? error.code : 'AUTH_TOKEN_INVALID', 'The session token is no longer valid; log in again');
    });
    if (principal === undefined) throw new ApiError(401, 'AUTH_TOKEN_INVALID', 'The console needs an authenticated principal (auth.mode is disabled)');
    return principal;
  }

  /** A state-changing request must come from a page of this origin (SameSite=Strict aside). */
  function sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') return origin === `${overTls(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
    return req.headers['sec-fetch-site'] === 'same-origin';
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice('/console/api/'.length);
    if (name === 'login-options') return json(res, 200, { oidc: oidc !== undefined, dev: dev?.users ?? [], pollMs: options.config.poll_ms });
    const principal = await viewer(req);
    if (name === 'me') return json(res, 200, { sub: principal.sub, iss: principal.iss, roles: principal.roles, pages: await pagesAllowed(options, principal, req) });
    const page = PAGES.find((candidate) => candidate === name) as Page | undefined;
    if (page === undefined) throw new ApiError(404, 'METHOD_NOT_FOUND', `no console API ${name}`);
    await authorizePage(options, principal, page, req);
    return json(res, 200, page === 'catalog' ? await readCatalog(options, url.searchParams, principal) : await readPage(options, page, url.searchParams));
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname === '/console' ? '/console/' : url.pathname;
    const asset = assets.get(path);
    if (asset && req.method === 'GET') return send(res, 200, asset.body, asset.type, path === '/console/' ? {} : { 'cache-control': 'no-cache' });
    if (path.startsWith('/console/api/') && req.method === 'GET') return api(req, res, url);
    if (path === '/console/login/dev' && req.method === 'POST' && dev) {
      if (!sameOrigin(req)) throw new ApiError(403, 'REQUEST_INVALID', 'Login form from another origin');
      const form = new URLSearchParams(await readSmallBody(req));
      const minted = await dev.mint(form.get('user') ?? '');
      return redirect(res, '/console/', sessions.open(minted.token, minted.principal, overTls(req)));
    }
    if (path === '/console/login/oidc' && req.method === 'GET' && oidc) {
      return redirect(res, (await oidc.start(callbackUrl(req))).href);
    }
    if (path === '/console/callback' && req.method === 'GET' && oidc) {
      const token = await oidc.finish(new URL(url.pathname + url.search, callbackUrl(req)));
      const principal = await options.authenticator.authenticate(token).catch((error: unknown) => {
        throw new ApiError(401, isWardenError(error) && error.code.startsWith('AUTH_') ? error.code : 'AUTH_TOKEN_INVALID', `The provider's token is not one this gateway accepts: ${(error as Error).message}`);
      });
      if (principal === undefined) throw new ApiError(401, 'AUTH_TOKEN_INVALID', 'The console needs an authenticated principal');
      // A page that moves on by itself: the navigation back from the provider is cross-site, and
      // a SameSite=Strict cookie set by a redirect in that chain would not be sent with its target.
      return send(res, 200, '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/console/"><title>Logged in</title><a href="/console/">Continue</a>', 'text/html; charset=utf-8', {
        'set-cookie': sessions.open(token, principal, overTls(req)),
      });
    }
    if (path === '/console/logout' && req.method === 'POST') {
      if (!sameOrigin(req)) throw new ApiError(403, 'REQUEST_INVALID', 'Logout from another origin');
      return redirect(res, '/console/', sessions.close(req, overTls(req)));
    }
    throw new ApiError(404, 'METHOD_NOT_FOUND', `Not found: ${path}`);
  }

  return {
    async handle(req, res) {
      const url = requestUrl(req);
      if (url === undefined || (url.pathname !== '/console' && !url.pathname.startsWith('/console/'))) return false;
      try {
        await route(req, res, url);
      } catch (error) {
        const known = error instanceof ApiError ? error : isWardenError(error) && error.code.startsWith('AUTH_') ? new ApiError(401, error.code, error.message) : undefined;
        if (known === undefined) options.log.error({ err: error }, 'console request failed');
        const failure = known ?? new ApiError(500, 'INTERNAL', 'Internal error');
        if (!res.headersSent) json(res, failure.status, { error: { code: failure.code, message: failure.message, reasons: failure.reasons } });
      }
      return true;
    },
  };
}

function callbackUrl(req: IncomingMessage): string {
  return `${overTls(req) ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}/console/callback`;
}

const MAX_FORM_BYTES = 4096;

async function readSmallBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new ApiError(413, 'REQUEST_TOO_LARGE', 'Form too large');
  }
  return body;
}
