import { importSPKI } from 'jose';
import { WardenError } from '../../errors.ts';
import type { IssuerConfig } from '../config.ts';
import { type KeySource, type KeyEntry, selectKey, staticKeySource } from '../key-set.ts';

/**
 * `public_key_file`: one PEM (SPKI) public key, imported once per configured algorithm (a
 * CryptoKey is bound to one algorithm). The token's `kid` is ignored: there is only one key.
 */
export async function loadPublicKeyFile(issuer: IssuerConfig, path: string, pem: string): Promise<KeySource> {
  const keys: KeyEntry[] = [];
  for (const alg of issuer.algorithms) {
    try {
      keys.push({ kid: undefined, alg, key: await importSPKI(pem.trim(), alg) });
    } catch (error) {
      throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: ${path} is not a PEM public key (SPKI) usable with ${alg}`, {
        cause: error,
      });
    }
  }
  return staticKeySource((header) => selectKey(keys, { alg: header.alg }));
}
