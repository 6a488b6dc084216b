/**
 * The JWS algorithms an issuer may list, and which key shapes each one needs. `none` is absent on
 * purpose: it can never be configured, so no token can select it.
 */
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
] as const;
export const SUPPORTED_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;

export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type Algorithm = (typeof SUPPORTED_ALGORITHMS)[number];

export function isHmacAlgorithm(alg: string): alg is HmacAlgorithm {
  return (HMAC_ALGORITHMS as readonly string[]).includes(alg);
}

/** The curve an EC/OKP key must be on for this algorithm; undefined for RSA and HMAC. */
const CURVE_OF: Partial<Record<Algorithm, string>> = {
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
  EdDSA: 'Ed25519',
};

/**
 * Whether a JWK of this `kty`/`crv` can verify `alg`. Used to import a key without an `alg`
 * member once per algorithm it can serve, and never for one it cannot (an RSA key is never
 * offered to an HS* verifier: that is the classic key-confusion forgery).
 */
export function keyFitsAlgorithm(kty: string, crv: string | undefined, alg: Algorithm): boolean {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return kty === 'RSA';
  if (alg.startsWith('ES')) return kty === 'EC' && crv === CURVE_OF[alg];
  if (alg === 'EdDSA') return kty === 'OKP' && crv === CURVE_OF[alg];
  return false;
}
