import { WardenError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { IssuerConfig } from '../config.ts';
import { type KeySource, importKeySet, selectKey, staticKeySource } from '../key-set.ts';

/** `jwks_file`: a JWKS on disk, imported once at start-up; any defect refuses the start. */
export async function loadJwksFile(issuer: IssuerConfig, path: string, text: string, logger: Logger): Promise<KeySource> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: ${path} is not valid JSON (${(error as Error).message})`);
  }
  try {
    const { keys, skipped } = await importKeySet(document, issuer.algorithms, path);
    if (skipped.length > 0) logger.warn({ issuer: issuer.issuer, file: path, skipped }, 'jwks_file: some keys were left out');
    return staticKeySource((header) => selectKey(keys, header));
  } catch (error) {
    throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: ${(error as Error).message}`, { cause: error });
  }
}
