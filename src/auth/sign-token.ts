import { type KeyObject, createPrivateKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { WardenError } from '../errors.ts';
import { type Algorithm, isHmacAlgorithm } from './algorithms.ts';

/**
 * Minting tokens for local use (`warden token create`). The gateway never signs anything; this
 * exists so developers can call a protected deployment without an identity provider.
 */
interface SigningKey {
  readonly alg: Algorithm;
  readonly key: KeyObject | Uint8Array;
}

interface TokenClaims {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly iss: string;
  readonly aud: string;
  readonly ttlSeconds: number;
}

export interface SignedToken {
  readonly token: string;
  readonly header: { alg: Algorithm; typ: 'JWT'; kid?: string };
  readonly claims: Record<string, unknown>;
}

const MIN_SECRET_BYTES = 32;

/**
 * Reads a signing key: a PEM private key (PKCS#8, PKCS#1 or SEC1) or a private JWK gives RS256,
 * ES256/384/512 or EdDSA by key type; any other file is an HS256 secret (its text without the
 * trailing newline, matching what `secret_env` would hold). `alg` overrides the derived choice
 * when the key fits it.
 */
export async function loadSigningKey(path: string, alg?: Algorithm): Promise<SigningKey> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new WardenError('USAGE', `--key ${path}: cannot read the file (${error.code ?? 'read error'})`);
  });
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN') || trimmed.startsWith('{')) return asymmetricKey(path, trimmed, alg);
  const secret = new TextEncoder().encode(text.replace(/\r?\n$/, ''));
  if (secret.length < MIN_SECRET_BYTES) {
    throw new WardenError('USAGE', `--key ${path}: an HS256 secret must be at least ${MIN_SECRET_BYTES} bytes (got ${secret.length})`);
  }
  if (alg !== undefined && !isHmacAlgorithm(alg)) throw new WardenError('USAGE', `--key ${path}: a secret cannot sign ${alg}`);
  return { alg: alg ?? 'HS256', key: secret };
}

function asymmetricKey(path: string, text: string, requested: Algorithm | undefined): SigningKey {
  let key: KeyObject;
  try {
    key = text.startsWith('{') ? createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) : createPrivateKey(text);
  } catch {
    throw new WardenError('USAGE', `--key ${path}: not a private key (PEM or JWK)`);
  }
  const fitting = algorithmsFor(key);
  if (fitting.length === 0) throw new WardenError('USAGE', `--key ${path}: unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  if (requested !== undefined && !fitting.includes(requested)) {
    throw new WardenError('USAGE', `--key ${path}: this ${key.asymmetricKeyType} key cannot sign ${requested} (use ${fitting.join(', ')})`);
  }
  return { alg: requested ?? fitting[0]!, key };
}

function algorithmsFor(key: KeyObject): Algorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const byCurve: Record<string, Algorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
      return curve !== undefined && byCurve[curve] !== undefined ? [byCurve[curve]] : [];
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

export async function signToken(signing: SigningKey, claims: TokenClaims, kid: string | undefined, nowMs: number): Promise<SignedToken> {
  const iat = Math.floor(nowMs / 1000);
  const payload: Record<string, unknown> = {
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    iat,
    nbf: iat,
    exp: iat + claims.ttlSeconds,
    jti: randomUUID(),
    roles: [...claims.roles],
  };
  if (claims.scopes.length > 0) payload.scope = claims.scopes.join(' ');
  const header = kid === undefined ? { alg: signing.alg, typ: 'JWT' as const } : { alg: signing.alg, typ: 'JWT' as const, kid };
  const token = await new SignJWT(payload).setProtectedHeader(header).sign(signing.key);
  return { token, header, claims: payload };
}
