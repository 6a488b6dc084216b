import { type CryptoKey, type GenerateKeyPairResult, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import pino from 'pino';
import { type AuthConfig, authConfigSchema } from '../../../../src/auth/config.ts';

/** A fixed test clock: 2026-11-23T19:00:00Z, in ms. Tests move it by assigning `clock.ms`. */
export const T0_MS = Date.UTC(2026, 10, 23, 19, 0, 0);
export const T0 = T0_MS / 1000;
export const ISSUER = 'https://idp.test.invalid';
export const AUDIENCE = 'mcp-warden';

export interface TestClock {
  ms: number;
  now: () => number;
}

export function testClock(): TestClock {
  const clock: TestClock = { ms: T0_MS, now: () => clock.ms };
  return clock;
}

export const silentLogger = pino({ level: 'silent' });

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

export function sign(key: CryptoKey | Uint8Array, claims: Record<string, unknown>, options: SignOptions = {}): Promise<string> {
  const header = { alg: options.alg ?? 'RS256', typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }), ...options.header };
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key, options.crit === undefined ? undefined : { crit: options.crit });
}

/**
 * Parses an `auth` section the way the config loader does. Each issuer entry defaults to ISSUER,
 * AUDIENCE and RS256; give only its key source and what differs.
 */
export function authConfig(issuers: Record<string, unknown> | Record<string, unknown>[], rest: Record<string, unknown> = {}): AuthConfig {
  const entries = (Array.isArray(issuers) ? issuers : [issuers]).map((entry) => ({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], ...entry }));
  return authConfigSchema.parse({ issuers: entries, ...rest });
}

/** Swaps one character of a JWT segment (0 header, 1 payload, 2 signature). */
export function tamper(token: string, segment: 0 | 1 | 2): string {
  const parts = token.split('.');
  const part = parts[segment]!;
  const index = Math.floor(part.length / 2);
  parts[segment] = part.slice(0, index) + (part[index] === 'A' ? 'B' : 'A') + part.slice(index + 1);
  return parts.join('.');
}
