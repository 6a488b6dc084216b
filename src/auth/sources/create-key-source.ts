import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WardenError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { IssuerConfig } from '../config.ts';
import type { KeySource } from '../key-set.ts';
import { loadJwksFile } from './jwks-file.ts';
import { loadPublicKeyFile } from './public-key-file.ts';
import { RemoteJwks } from './remote-jwks.ts';
import { loadSecretEnv } from './secret-env.ts';

export interface KeySourceOptions {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly env: NodeJS.ProcessEnv;
  readonly baseDir: string;
  readonly logger: Logger;
}

/**
 * Builds the key source of one issuer at start-up. Local sources (file, PEM, secret) are read
 * and imported now, so a bad one refuses the start with CONFIG_INVALID naming the issuer; a
 * remote JWKS is fetched on first use, because the gateway must start while the IdP is down.
 */
export async function createKeySource(issuer: IssuerConfig, options: KeySourceOptions): Promise<KeySource> {
  if (issuer.jwks_uri !== undefined) {
    return new RemoteJwks({
      url: issuer.jwks_uri,
      algorithms: issuer.algorithms,
      timeoutMs: issuer.jwks_timeout_ms,
      cooldownMs: issuer.jwks_cooldown_ms,
      maxAgeMs: issuer.jwks_max_age_ms,
      fetch: options.fetch,
      now: options.now,
      logger: options.logger,
    });
  }
  if (issuer.secret_env !== undefined) return loadSecretEnv(issuer, issuer.secret_env, options.env);
  const file = issuer.jwks_file ?? issuer.public_key_file;
  if (file === undefined) throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: no key source configured`);
  const path = resolve(options.baseDir, file);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: cannot read ${path} (${error.code ?? 'read error'})`, { cause: error });
  });
  return issuer.jwks_file !== undefined
    ? loadJwksFile(issuer, path, text, options.logger)
    : loadPublicKeyFile(issuer, path, text);
}
