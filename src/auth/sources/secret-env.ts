import { WardenError } from '../../errors.ts';
import { type HmacAlgorithm, isHmacAlgorithm } from '../algorithms.ts';
import type { IssuerConfig } from '../config.ts';
import { type KeySource, type KeyEntry, selectKey, staticKeySource } from '../key-set.ts';

/** RFC 7518 section 3.2: an HMAC key must be at least as long as the hash output. */
const MIN_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * `secret_env`: an HS* secret from the environment, imported once as a non-extractable HMAC
 * CryptoKey per algorithm (a raw byte array would be re-imported on every verification). A
 * missing or short secret refuses the start: a guessable HMAC key lets anyone mint tokens.
 */
export async function loadSecretEnv(issuer: IssuerConfig, variable: string, env: NodeJS.ProcessEnv): Promise<KeySource> {
  const secret = env[variable];
  if (secret === undefined || secret === '') {
    throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: environment variable ${variable} (secret_env) is not set`);
  }
  const bytes = new TextEncoder().encode(secret);
  const keys: KeyEntry[] = [];
  for (const alg of issuer.algorithms.filter(isHmacAlgorithm)) {
    if (bytes.length < MIN_BYTES[alg]) {
      throw new WardenError(
        'CONFIG_INVALID',
        `issuer ${issuer.issuer}: the secret in ${variable} is ${bytes.length} bytes; ${alg} needs at least ${MIN_BYTES[alg]}`,
      );
    }
    const hash = `SHA-${alg.slice(2)}`;
    const key = await crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['verify']);
    keys.push({ kid: undefined, alg, key });
  }
  return staticKeySource((header) => selectKey(keys, { alg: header.alg }));
}
