import type { KeyObject } from 'node:crypto';
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, sign, timingSafeEqual, verify, X509Certificate, constants } from 'node:crypto';
import { decodePem } from './pem.ts';

/**
 * Keys and JWS algorithms for OPA's io.jwt.* built-ins, on node:crypto: verification keys from a
 * PEM certificate, a PEM public key or a JWK (set), signing keys from a JWK.
 */

export interface VerificationKey {
  readonly key: KeyObject;
  /** The JWK's `alg`, when it names one. */
  readonly alg?: string;
  readonly kid?: string;
}

class KeyError extends Error {
  override readonly name = 'KeyError';
}

type JsonObject = Record<string, unknown>;

/**
 * Policies verify every request's token against the same few certificates or JWKS documents, so
 * parsed keys are kept (a small bound keeps policies that build key texts from growing memory).
 */
const parsedKeys = new Map<string, VerificationKey[]>();
const PARSED_KEYS_LIMIT = 32;

/** OPA's getKeysFromCertOrJWK, with its error texts. */
export function verificationKeys(text: string): VerificationKey[] {
  let keys = parsedKeys.get(text);
  if (!keys) {
    keys = parseVerificationKeys(text);
    if (parsedKeys.size >= PARSED_KEYS_LIMIT) parsedKeys.delete(parsedKeys.keys().next().value!);
    parsedKeys.set(text, keys);
  }
  return keys;
}

function parseVerificationKeys(text: string): VerificationKey[] {
  const pem = decodePem(text);
  if (pem) {
    if (pem.rest.length > 0) throw new KeyError('extra data after a PEM certificate block');
    if (pem.block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(pem.block.bytes).publicKey }];
      } catch (error) {
        throw new KeyError(`failed to parse a PEM certificate: ${(error as Error).message}`);
      }
    }
    if (pem.block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: pem.block.bytes, format: 'der', type: 'spki' }) }];
      } catch (error) {
        throw new KeyError(`failed to parse a PEM public key: ${(error as Error).message}`);
      }
    }
    throw new KeyError('failed to extract a Key from the PEM certificate');
  }
  try {
    const parsed = JSON.parse(text) as JsonObject;
    const jwks = Array.isArray(parsed.keys) ? (parsed.keys as JsonObject[]) : [parsed];
    return jwks.map((jwk) => ({
      key: jwkKey(jwk, 'public'),
      ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}),
      ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
    }));
  } catch (error) {
    throw new KeyError(`failed to parse a JWK key (set): ${(error as Error).message}`);
  }
}

/** A KeyObject from a JWK: `oct` keys become secret keys, others public or private. */
export function jwkKey(jwk: JsonObject, use: 'public' | 'private'): KeyObject {
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new KeyError('oct key without k');
    return createSecretKey(Buffer.from(jwk.k, 'base64url'));
  }
  const input = { key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' as const };
  return use === 'private' ? createPrivateKey(input) : createPublicKey(input);
}

interface Algorithm {
  readonly hash: string | null;
  readonly kind: 'hmac' | 'rsa' | 'pss' | 'ecdsa' | 'eddsa';
}

export const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  HS256: { hash: 'sha256', kind: 'hmac' },
  HS384: { hash: 'sha384', kind: 'hmac' },
  HS512: { hash: 'sha512', kind: 'hmac' },
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ecdsa' },
  ES384: { hash: 'sha384', kind: 'ecdsa' },
  ES512: { hash: 'sha512', kind: 'ecdsa' },
  EdDSA: { hash: null, kind: 'eddsa' },
};

function asymmetricOptions(algorithm: Algorithm, key: KeyObject) {
  if (algorithm.kind === 'pss') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  if (algorithm.kind === 'ecdsa') return { key, dsaEncoding: 'ieee-p1363' as const };
  return { key };
}

function hmac(algorithm: Algorithm, secret: Buffer, data: Buffer): Buffer {
  return createHmac(algorithm.hash!, secret).update(data).digest();
}

/** Whether `signature` is valid for `data`; a key of the wrong type simply does not verify. */
export function verifySignature(alg: string, key: KeyObject | Buffer, data: Buffer, signature: Buffer): boolean {
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) return false;
  try {
    if (algorithm.kind === 'hmac') {
      const secret = Buffer.isBuffer(key) ? key : key.type === 'secret' ? key.export() : undefined;
      if (!secret) return false;
      const expected = hmac(algorithm, secret, data);
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    if (Buffer.isBuffer(key) || key.type === 'secret') return false;
    if (algorithm.kind === 'pss') {
      return verify(algorithm.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    if ((algorithm.kind === 'rsa') !== (key.asymmetricKeyType === 'rsa')) return false;
    return verify(algorithm.hash, data, asymmetricOptions(algorithm, key), signature);
  } catch {
    return false;
  }
}

export function signData(alg: string, key: KeyObject, data: Buffer): Buffer {
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) throw new KeyError(`unsupported signature algorithm ${JSON.stringify(alg)}`);
  if (algorithm.kind === 'hmac') {
    if (key.type !== 'secret') throw new KeyError(`${alg} requires an oct (symmetric) key`);
    return hmac(algorithm, key.export(), data);
  }
  if (key.type === 'secret') throw new KeyError(`${alg} requires an asymmetric private key`);
  return sign(algorithm.hash, data, asymmetricOptions(algorithm, key));
}
