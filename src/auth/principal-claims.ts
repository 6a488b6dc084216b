import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { WardenError } from '../errors.ts';
import { ownValue } from '../own.ts';
import type { AuthConfig } from './config.ts';
import type { Principal } from './principal.ts';

/**
 * Builds the Principal from a verified payload, per the `auth.principal` mapping. The result is
 * deeply frozen: the token cache hands the same object to every request bearing the token, and
 * no stage may alter who the caller is.
 */
export function toPrincipal(token: string, payload: JWTPayload, mapping: AuthConfig['principal']): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw invalid('the token "sub" claim must be a non-empty string');
  const scopeClaim = mapping.scopes_claims.find((claim) => ownValue(payload, claim) !== undefined);
  const principal: Principal = {
    sub: payload.sub,
    iss: payload.iss as string,
    aud: payload.aud === undefined ? [] : typeof payload.aud === 'string' ? [payload.aud] : [...payload.aud],
    scopes: scopeClaim === undefined ? [] : stringList(ownValue(payload, scopeClaim), scopeClaim, /\s+/),
    roles: stringList(ownValue(payload, mapping.roles_claim), mapping.roles_claim, undefined),
    claims: payload,
    expiresAt: payload.exp as number,
    tokenId: typeof payload.jti === 'string' && payload.jti !== '' ? payload.jti : sha256(token),
  };
  return deepFreeze(principal);
}

/** A list of strings, or one string (split on `separator` when given, e.g. OAuth's `scope`). */
function stringList(value: unknown, claim: string, separator: RegExp | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return separator === undefined ? [value] : value.split(separator).filter((part) => part !== '');
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
  throw invalid(`the token "${claim}" claim must be a string or a list of strings`);
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function invalid(message: string): WardenError {
  return new WardenError('AUTH_TOKEN_INVALID', message);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
