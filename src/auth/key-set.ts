import { type CryptoKey, type JWK, importJWK } from 'jose';
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import { type Algorithm, keyFitsAlgorithm } from './algorithms.ts';

/**
 * Verification keys, imported once into CryptoKeys bound to one algorithm each, and the one rule
 * for picking a key for a token header. Only `kid` and `alg` of the header are used: `jku`, `x5u`,
 * `jwk` and `x5c` name keys the token's author chose, so they are never looked at.
 */
export interface KeyEntry {
  readonly kid: string | undefined;
  readonly alg: Algorithm;
  readonly key: CryptoKey;
}

export type KeySet = readonly KeyEntry[];

export interface TokenHeader {
  readonly alg?: string;
  readonly kid?: string;
}

/** Thrown when no key fits a header: the source may refetch and ask again. */
export class NoMatchingKeyError extends WardenError {
  constructor(kid: unknown) {
    // The kid is the caller's own input: echoed only when short and plain, to help debugging.
    const shown = typeof kid === 'string' && /^[\w.:-]{1,64}$/.test(kid) ? ` kid "${kid}"` : ' the token';
    super('AUTH_TOKEN_INVALID', `no verification key matches${shown}`);
  }
}

export function selectKey(keys: KeySet, header: TokenHeader): CryptoKey {
  const candidates = keys.filter((entry) => entry.alg === header.alg && (header.kid === undefined || entry.kid === header.kid));
  if (candidates.length === 1) return candidates[0]!.key;
  if (candidates.length === 0) throw new NoMatchingKeyError(header.kid);
  const why = header.kid === undefined ? 'the token has no kid and several verification keys could match' : 'several verification keys share the token kid';
  throw new WardenError('AUTH_TOKEN_INVALID', why);
}

const jwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional(), alg: z.string().optional(), use: z.string().optional(), crv: z.string().optional() })),
});

/** jose refuses shorter RSA keys only when verifying; sources refuse them when importing. */
export const MIN_RSA_BITS = 2048;

export function isWeakRsaKey(key: CryptoKey): boolean {
  const { modulusLength } = key.algorithm as { modulusLength?: number };
  return modulusLength !== undefined && modulusLength < MIN_RSA_BITS;
}

interface ImportReport {
  readonly keys: KeySet;
  /** Keys left out and why (wrong use, unsupported kty, algorithm not allowed, bad material). */
  readonly skipped: readonly string[];
}

/**
 * Imports every signing key of a JWKS document that can serve one of `algorithms`. A key without
 * `alg` is imported once per allowed algorithm it fits. Throws AUTH_KEYS_UNAVAILABLE (with
 * `label` naming the source) when the document is not a JWKS or no key is usable.
 */
export async function importKeySet(document: unknown, algorithms: readonly Algorithm[], label: string): Promise<ImportReport> {
  const parsed = jwksSchema.safeParse(document);
  if (!parsed.success) throw new WardenError('AUTH_KEYS_UNAVAILABLE', `${label}: not a JWKS document (expected {"keys": [...]})`);
  const keys: KeyEntry[] = [];
  const skipped: string[] = [];
  for (const [index, jwk] of parsed.data.keys.entries()) {
    const name = jwk.kid ?? `#${index}`;
    if (jwk.use !== undefined && jwk.use !== 'sig') {
      skipped.push(`${name}: use "${jwk.use}" is not "sig"`);
      continue;
    }
    const fits = algorithms.filter((alg) => (jwk.alg === undefined || jwk.alg === alg) && keyFitsAlgorithm(jwk.kty, jwk.crv, alg));
    if (fits.length === 0) {
      skipped.push(`${name}: fits none of the allowed algorithms ${algorithms.join(', ')}`);
      continue;
    }
    for (const alg of fits) {
      try {
        const key = await importJWK(jwk as JWK, alg);
        // A private JWK would import as a private key; we only ever verify with public ones.
        if (key instanceof Uint8Array || key.type !== 'public') throw new Error('not a public key');
        if (isWeakRsaKey(key)) {
          skipped.push(`${name}: RSA modulus below ${MIN_RSA_BITS} bits`);
          continue;
        }
        keys.push({ kid: jwk.kid, alg, key });
      } catch {
        skipped.push(`${name}: key material is invalid for ${alg}`);
      }
    }
  }
  if (keys.length === 0) {
    throw new WardenError('AUTH_KEYS_UNAVAILABLE', `${label}: no usable signing key (${skipped.join('; ') || 'the set is empty'})`, {
      details: { skipped },
    });
  }
  return { keys, skipped };
}

/** Where an issuer's verification keys come from (sources/). Static sources answer from memory. */
export interface KeySource {
  getKey(header: TokenHeader): Promise<CryptoKey>;
  close(): void;
}

/** A source whose keys never change: the same lookup for every token. */
export function staticKeySource(lookup: (header: TokenHeader) => CryptoKey): KeySource {
  return {
    getKey: async (header) => lookup(header),
    close: () => {},
  };
}
