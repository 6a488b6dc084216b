import { type CryptoKey, importSPKI } from 'jose';
import { WardenError } from '../../errors.ts';
import type { IssuerConfig } from '../config.ts';
import { type KeyEntry, type KeySource, MIN_RSA_BITS, isWeakRsaKey, selectKey, staticKeySource } from '../key-set.ts';

/**
 * `public_key_file`: one PEM (SPKI) public key, imported once per configured algorithm (a
 * CryptoKey is bound to one algorithm). The token's `kid` is ignored: there is only one key.
 */
export async function loadPublicKeyFile(issuer: IssuerConfig, path: string, pem: string): Promise<KeySource> {
  const keys: KeyEntry[] = [];
  for (const alg of issuer.algorithms) {
    let key: CryptoKey;
    try {
      key = await importSPKI(pem.trim(), alg);
    } catch (error) {
      throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: ${path} is not a PEM public key (SPKI) usable with ${alg}`, {
        cause: error,
      });
    }
    if (isWeakRsaKey(key)) throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: ${path} is an RSA key below ${MIN_RSA_BITS} bits`);
    keys.push({ kid: undefined, alg, key });
  }
  return staticKeySource((header) => selectKey(keys, { alg: header.alg }));
}
