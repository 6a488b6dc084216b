/**
 * Really signed tokens (jose) for every test that authenticates: keys and their public JWKs, a
 * fixed clock for unit tests (`T0`, `claimsAt` + `sign`), tokens on the wall clock for a running
 * gateway (`newSigningKey` + `signToken`), the malformed tokens an attacker sends (`unsignedToken`,
 * `editPayload`, `corrupt`), and `devToken`, signed with the DEV-ONLY example key as
 * `warden token create` signs it.
 */
import { fileURLToPath } from 'node:url';
import { type CryptoKey, type GenerateKeyPairResult, type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { type AuthConfig, authConfigSchema } from '../../src/auth/config.ts';
import { createToken, parseOptions } from '../../src/cli/token.ts';

export const ISSUER = 'https://idp.test.invalid';
export const AUDIENCE = 'mcp-warden';
/** Same keys as ISSUER, clock_tolerance 0: for expiry inside a live session without waiting 30 s. */
export const STRICT_ISSUER = 'https://strict.security.test';
/** Keys served over HTTP by a JWKS server the tests can take down. */
export const REMOTE_ISSUER = 'https://remote.security.test';
/** The scope a running test gateway requires of every caller (auth.required_scopes). */
export const SCOPE = 'mcp:use';

/** A fixed test clock: 2026-11-23T19:00:00Z, in ms. Tests move it by assigning `clock.ms`. */
export const T0_MS = Date.UTC(2026, 10, 23, 19, 0, 0);
export const T0 = T0_MS / 1000;

export interface TestClock {
  ms: number;
  now: () => number;
}

export function testClock(): TestClock {
  const clock: TestClock = { ms: T0_MS, now: () => clock.ms };
  return clock;
}

export type KeyPair = GenerateKeyPairResult;

export function rsaKeys(): Promise<KeyPair> {
  return generateKeyPair('RS256', { extractable: true });
}

export function ecKeys(): Promise<KeyPair> {
  return generateKeyPair('ES256', { extractable: true });
}

/** The public JWK of a pair, as an IdP would publish it. */
export async function publicJwk(pair: KeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
}

/** An RS256 key with its id and published JWK. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const pair = await rsaKeys();
  return { kid, privateKey: pair.privateKey, jwk: await publicJwk(pair, kid, 'RS256') };
}

export const jwks = (...keys: SigningKey[]) => ({ keys: keys.map((k) => k.jwk) });

export interface SignOptions {
  alg?: string;
  kid?: string;
  header?: Record<string, unknown>;
  /** Extension parameters the signer must accept in `crit` (the verifier must not). */
  crit?: Record<string, boolean>;
}

/** Valid-by-default claims at T0 (1 h lifetime); `claims` overrides or removes (undefined) any. */
export function claimsAt(claims: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: T0, nbf: T0, exp: T0 + 3600, roles: ['analyst'], scope: 'db:read' };
  const merged = { ...base, ...claims };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

/** Signs exactly `claims`: the one signer every token of the tests comes from. */
export function sign(key: CryptoKey | Uint8Array, claims: Record<string, unknown>, options: SignOptions = {}): Promise<string> {
  const header = { alg: options.alg ?? 'RS256', typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }), ...options.header };
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key, options.crit === undefined ? undefined : { crit: options.crit });
}

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

/** A token for a running gateway: valid from now for 10 minutes, alice, ISSUER, AUDIENCE and SCOPE unless told otherwise. */
export function signToken(key: SigningKey, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    scope: options.scope ?? SCOPE,
    ...options.claims,
    sub: options.sub ?? 'alice',
    iss: options.iss ?? ISSUER,
    aud: options.aud ?? AUDIENCE,
    iat: now + (options.issuedAt ?? 0),
    exp: now + (options.expiresIn ?? 600),
    ...(options.notBefore === undefined ? {} : { nbf: now + options.notBefore }),
  };
  const crit = Array.isArray(options.header?.crit) ? Object.fromEntries((options.header.crit as string[]).map((name) => [name, true])) : undefined;
  return sign(key.privateKey, claims, { kid: key.kid, ...(options.header ? { header: options.header } : {}), ...(crit ? { crit } : {}) });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** The unsecured JWT (RFC 7519 section 6): claims that would otherwise be accepted, no signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** A valid token whose payload was edited afterwards (the signature no longer matches). */
export function editPayload(token: string, edit: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return `${header}.${b64({ ...decodePart(payload), ...edit })}.${signature}`;
}

/** Swaps one character of a JWT segment (0 header, 1 payload, 2 signature). */
export function corrupt(token: string, segment: 0 | 1 | 2): string {
  const parts = token.split('.');
  const part = parts[segment]!;
  const index = Math.floor(part.length / 2);
  parts[segment] = part.slice(0, index) + (part[index] === 'A' ? 'B' : 'A') + part.slice(index + 1);
  return parts.join('.');
}

export const claimsOf = (token: string) => decodePart(token.split('.')[1]!);

const DEV_KEY = fileURLToPath(new URL('../../examples/keys/dev-only-private.pem', import.meta.url));

/** A 10-minute token for `sub` with `roles`, signed by the DEV-ONLY example key (examples/keys/dev-only-jwks.json verifies it). */
export async function devToken(sub: string, roles: string[]): Promise<string> {
  return (await createToken(parseOptions(['--sub', sub, '--roles', roles.join(','), '--key', DEV_KEY, '--ttl', '10m']), Date.now())).token;
}

/**
 * Parses an `auth` section the way the config loader does. Each issuer entry defaults to ISSUER,
 * AUDIENCE and RS256; give only its key source and what differs.
 */
export function authConfig(issuers: Record<string, unknown> | Record<string, unknown>[], rest: Record<string, unknown> = {}): AuthConfig {
  const entries = (Array.isArray(issuers) ? issuers : [issuers]).map((entry) => ({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], ...entry }));
  return authConfigSchema.parse({ issuers: entries, ...rest });
}
