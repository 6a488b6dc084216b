import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing: what a later request must bring back to any replica (an old-era session id, a new-era
 * `input_required` `requestState`) travels as AES-256-GCM ciphertext under a key every replica
 * shares (`server.session_key`). A client can neither read it nor forge or alter it; the replica
 * that receives it opens it and trusts only what the key vouches for. The purpose is bound in as
 * associated data, so a sealed session id is no request state and the other way round.
 *
 * Format (base64url, visible ASCII as session ids must be): version byte 1 | 12-byte nonce |
 * ciphertext | 16-byte tag. The AES key is derived from the configured secret with HKDF-SHA256,
 * so the secret may be any string of 32+ characters (e.g. `openssl rand -hex 32`).
 */
export type SealPurpose = 'session' | 'request-state';

export interface Sealer {
  seal(purpose: SealPurpose, payload: unknown): string;
  /** The payload, or undefined when the token was not sealed by this key for this purpose. */
  open(purpose: SealPurpose, token: string): unknown;
}

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** Far above any sealed session (a few hundred bytes); refuses to spend work on garbage. */
const MAX_TOKEN = 16 * 1024;

export function createSealer(secret: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'mcp-warden seal v1', 32));
  const aad = (purpose: SealPurpose) => Buffer.from(`mcp-warden:${purpose}`);
  return {
    seal(purpose, payload) {
      const nonce = randomBytes(NONCE);
      const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad(purpose));
      const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), nonce, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(purpose, token) {
      if (token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 1 + NONCE + TAG + 1 || raw[0] !== VERSION) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 1 + NONCE)).setAAD(aad(purpose));
        decipher.setAuthTag(raw.subarray(raw.length - TAG));
        const text = Buffer.concat([decipher.update(raw.subarray(1 + NONCE, raw.length - TAG)), decipher.final()]).toString('utf8');
        return JSON.parse(text) as unknown;
      } catch {
        // A wrong key, purpose or any altered byte: the tag does not verify.
        return undefined;
      }
    },
  };
}

/** One purpose of a sealer, e.g. the input_required relay's `request-state` (pipeline/continuation.ts). */
export function sealerFor(purpose: SealPurpose, secret: string): { seal(payload: unknown): string; open(token: string): unknown } {
  const sealer = createSealer(secret);
  return { seal: (payload) => sealer.seal(purpose, payload), open: (token) => sealer.open(purpose, token) };
}
