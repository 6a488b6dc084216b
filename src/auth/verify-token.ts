import { type JWTPayload, decodeJwt, jwtVerify } from 'jose';
import { WardenError } from '../errors.ts';
import type { IssuerConfig } from './config.ts';
import type { KeySource } from './key-set.ts';

export interface TrustedIssuer {
  readonly config: IssuerConfig;
  readonly keys: KeySource;
}

interface VerifiedToken {
  readonly payload: JWTPayload;
  readonly issuer: IssuerConfig;
}

/** Real tokens are a few KB; refusing huge ones first keeps decoding cheap under abuse. */
const MAX_TOKEN_CHARS = 16 * 1024;

/**
 * Verifies a compact JWS against the configured issuers. The unverified `iss` only picks which
 * issuer's keys and rules to try; jose then checks it again as a verified claim. Every check is
 * explicit because jose 6 defaults are permissive (measured while planning, see the auth README): pinned
 * algorithms, issuer, audience, required exp and sub, clock tolerance, and `iat` not in the
 * future (jose only checks that when maxTokenAge is set).
 */
export async function verifyToken(
  token: string,
  issuers: ReadonlyMap<string, TrustedIssuer>,
  nowMs: number,
): Promise<VerifiedToken> {
  if (token.length > MAX_TOKEN_CHARS) throw new WardenError('AUTH_TOKEN_INVALID', 'the token is too large');
  const claimedIssuer = decodeJwt(token).iss;
  const trusted = typeof claimedIssuer === 'string' ? issuers.get(claimedIssuer) : undefined;
  if (trusted === undefined) throw new WardenError('AUTH_ISSUER', 'the token issuer is not trusted');
  const { config, keys } = trusted;
  const { payload } = await jwtVerify(token, (header) => keys.getKey({ alg: header.alg, kid: header.kid }), {
    algorithms: config.algorithms,
    issuer: config.issuer,
    audience: config.audience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: config.clock_tolerance,
    currentDate: new Date(nowMs),
  });
  if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + config.clock_tolerance) {
    throw new WardenError('AUTH_TOKEN_NOT_YET_VALID', 'the token is issued in the future (iat)');
  }
  return { payload, issuer: config };
}
