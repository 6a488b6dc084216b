/**
 * Really signed tokens for the security suite: one RS256 key pair generated per test file with
 * jose, its public half published as a JWKS (file or HTTP server), and helpers that build the
 * malformed tokens an attacker would send (alg none, tampered payload, unknown crit).
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const AUDIENCE = 'mcp-warden-test';
export const ISSUER = 'https://idp.security.test';
/** Same keys, clock_tolerance 0: for expiry inside a live session without waiting 30 s. */
export const STRICT_ISSUER = 'https://strict.security.test';
/** Keys served over HTTP by a JWKS server the tests can take down. */
export const REMOTE_ISSUER = 'https://remote.security.test';
/** Every caller needs it (auth.required_scopes). */
export const SCOPE = 'mcp:use';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export const jwks = (...keys: SigningKey[]) => ({ keys: keys.map((k) => k.jwk) });

export interface TokenOptions {
  sub?: string;
  iss?: string;
  aud?: string | string[];
  scope?: string;
  /** Seconds from now; negative means already expired. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  /** Seconds from now for `iat` (default 0). */
  issuedAt?: number;
  claims?: JWTPayload;
  /** Extra protected header parameters; `crit` names are accepted by our signer. */
  header?: Record<string, unknown>;
}

const now = () => Math.floor(Date.now() / 1000);

export async function sign(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  const header: Record<string, unknown> = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...options.header };
  const crit = Array.isArray(header.crit) ? Object.fromEntries((header.crit as string[]).map((name) => [name, true])) : undefined;
  const jwt = new SignJWT({ scope: options.scope ?? SCOPE, ...options.claims })
    .setProtectedHeader(header as { alg: string })
    .setSubject(options.sub ?? 'alice')
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now() + (options.issuedAt ?? 0))
    .setExpirationTime(now() + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
  return jwt.sign(key.privateKey, crit ? { crit } : undefined);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** The unsecured JWT (RFC 7519 section 6): claims that would otherwise be accepted, no signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** A valid token whose payload was edited afterwards (the signature no longer matches). */
export function tamper(token: string, edit: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return `${header}.${b64({ ...decodePart(payload), ...edit })}.${signature}`;
}

export const claimsOf = (token: string) => decodePart(token.split('.')[1]!);
