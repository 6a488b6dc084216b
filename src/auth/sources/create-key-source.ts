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

interface KeySourceOptions {
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
  if (issuer.jwks_file !== undefined) {
    const { path, text } = await readKeyFile(issuer, issuer.jwks_file, options.baseDir);
    return loadJwksFile(issuer, path, text, options.logger);
  }
  if (issuer.public_key_file !== undefined) {
    const { path, text } = await readKeyFile(issuer, issuer.public_key_file, options.baseDir);
    return loadPublicKeyFile(issuer, path, text);
  }
  // The schema already requires exactly one source; kept so a schema change cannot fail open.
  throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: no key source configured`);
}

async function readKeyFile(issuer: IssuerConfig, file: string, baseDir: string): Promise<{ path: string; text: string }> {
  const path = resolve(baseDir, file);
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new WardenError('CONFIG_INVALID', `issuer ${issuer.issuer}: cannot read ${path} (${code})`, { cause: error });
  }
}
