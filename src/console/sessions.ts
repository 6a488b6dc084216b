import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../auth/index.ts';

/**
 * Console logins: a random id in an HttpOnly, SameSite=Strict cookie names a token kept here,
 * in this process (the browser never holds the token, so no script can read it). Each request
 * verifies the token again with the gateway's authenticator, so an expired token ends the
 * session and a revoked key or issuer takes effect at once. A replica restart ends sessions.
 */
export const COOKIE = 'warden_console';

interface Session {
  token: string;
  expiresAt: number;
}

export class ConsoleSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new session for a verified token; the cookie to set. */
  open(token: string, principal: Principal, secure: boolean): string {
    this.#sweep();
    const id = randomBytes(32).toString('base64url');
    this.#sessions.set(id, { token, expiresAt: principal.expiresAt * 1000 });
    const maxAge = Math.max(0, Math.floor((principal.expiresAt * 1000 - this.#now()) / 1000));
    return `${COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }

  /** The token of the request's session, if it has a live one. */
  tokenOf(req: IncomingMessage): string | undefined {
    const id = cookieValue(req.headers.cookie, COOKIE);
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id!);
      return undefined;
    }
    return session.token;
  }

  close(req: IncomingMessage, secure: boolean): string {
    const id = cookieValue(req.headers.cookie, COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
    return `${COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Secure cookies when the browser reached us over TLS: directly, or through a proxy that says so. */
export function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}
