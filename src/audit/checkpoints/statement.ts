import { type KeyObject, createPrivateKey, createPublicKey, hash, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { WardenError } from '../../errors.ts';
import { canonicalJson } from '../chain.ts';

/**
 * A signed checkpoint (issue 15): "the chain of `replica` had `seq` rows ending in `hash` at
 * `time`", signed with an Ed25519 key whose public half lives off the host. Kept outside the
 * database (a file, an HTTP endpoint), it lets `warden audit verify --checkpoints` catch a trail
 * rewritten with every hash and the head recomputed, which the chain alone cannot (an unkeyed
 * chain has no secret, and a keyed one's key sits on the same host as the gateway).
 *
 * One line per checkpoint: canonical JSON of the statement plus `sig`, the Ed25519 signature of
 * DOMAIN + canonical JSON of the statement (every field but `sig`), base64url.
 */
const DOMAIN = 'mcp-warden audit checkpoint v1\n';

export const statementSchema = z
  .object({
    v: z.literal(1),
    /** The PostgreSQL replica whose chain this is; null on SQLite (one chain). */
    replica: z.string().min(1).nullable(),
    seq: z.number().int().min(0),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    time: z.string().min(1),
    /** Which signing key: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
    key_id: z.string().regex(/^[0-9a-f]{16}$/),
  })
  .strict();

export type CheckpointStatement = z.infer<typeof statementSchema>;

const lineSchema = statementSchema.extend({ sig: z.string().regex(/^[A-Za-z0-9_-]+$/) }).strict();

export function signingKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return hash('sha256', publicKey.export({ type: 'spki', format: 'der' }), 'hex').slice(0, 16);
}

const readKey = (file: string, what: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new WardenError('AUDIT_CHECKPOINT_KEY', `${file}: the checkpoint ${what} key cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
};

const ed25519 = (key: KeyObject, file: string): KeyObject => {
  if (key.asymmetricKeyType !== 'ed25519') throw new WardenError('AUDIT_CHECKPOINT_KEY', `${file}: the checkpoint key is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, expected Ed25519 (openssl genpkey -algorithm ed25519)`);
  return key;
};

/** The gateway's signing key: a PEM PKCS#8 Ed25519 private key. */
export function loadSigningKey(file: string): KeyObject {
  const pem = readKey(file, 'private');
  try {
    return ed25519(createPrivateKey(pem), file);
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw new WardenError('AUDIT_CHECKPOINT_KEY', `${file}: not a PEM private key (${(error as Error).message})`);
  }
}

/** A verifier's key: a PEM public key (SPKI); a private key file is accepted and its public half used. */
export function loadPublicKey(file: string): KeyObject {
  const pem = readKey(file, 'public');
  try {
    return ed25519(createPublicKey(pem), file);
  } catch (error) {
    if (error instanceof WardenError) throw error;
    throw new WardenError('AUDIT_CHECKPOINT_KEY', `${file}: not a PEM public key (${(error as Error).message})`);
  }
}

/** The line to append or POST for a statement. */
export function signStatement(statement: CheckpointStatement, key: KeyObject): string {
  const sig = sign(null, Buffer.from(DOMAIN + canonicalJson(statement)), key).toString('base64url');
  return canonicalJson({ ...statement, sig });
}

export interface Checkpoint extends CheckpointStatement {
  /** Where it was read: `FILE:LINE`. */
  where: string;
}

/**
 * Reads a checkpoint file and checks every signature. Any line that is not a checkpoint, is
 * signed by none of `keys` or does not verify is a forgery or damage: refused, naming the line
 * (AUDIT_CHECKPOINT_INVALID), because a verify that skipped it would vouch for less than it says.
 */
export function readCheckpoints(text: string, file: string, keys: readonly KeyObject[]): Checkpoint[] {
  const byId = new Map(keys.map((key) => [signingKeyId(key), key]));
  const checkpoints: Checkpoint[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const where = `${file}:${index + 1}`;
    const invalid = (why: string) => new WardenError('AUDIT_CHECKPOINT_INVALID', `${where}: ${why}`, { details: { file, line: index + 1 } });
    let parsed: z.infer<typeof lineSchema>;
    try {
      parsed = lineSchema.parse(JSON.parse(raw));
    } catch (error) {
      throw invalid(`not a checkpoint line (${error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`).join('; ') : (error as Error).message})`);
    }
    const { sig, ...statement } = parsed;
    const key = byId.get(statement.key_id);
    if (key === undefined) throw invalid(`signed with key id ${statement.key_id}, which none of the public keys given has (${[...byId.keys()].join(', ')})`);
    if (!verify(null, Buffer.from(DOMAIN + canonicalJson(statement)), key, Buffer.from(sig, 'base64url'))) {
      throw invalid(`the signature does not verify: the checkpoint was altered or forged`);
    }
    checkpoints.push({ ...statement, where });
  }
  return checkpoints;
}
