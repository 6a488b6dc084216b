import { userInfo } from 'node:os';
import { createAuthenticator, type Principal } from '../auth/index.ts';
import type { ResolvedConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { logger } from '../log.ts';

/**
 * Who decides a pinned definition (`warden tools approve|revoke`) or a waiting call (`warden
 * approvals approve|deny`): the sub of WARDEN_TOKEN, verified with the config's auth, when it
 * is set; else the OS user. `by` is what the audit trail records; `principal` what a policy sees
 * (an OS user is the principal `os:<name>` of issuer `os`, with no roles or scopes).
 */
export async function whoDecides(config: ResolvedConfig | undefined): Promise<{ by: string; principal: Principal }> {
  const token = process.env.WARDEN_TOKEN;
  if (token === undefined || token === '') {
    const sub = `os:${userInfo().username}`;
    return { by: sub, principal: { sub, iss: 'os', aud: [], scopes: [], roles: [], claims: {}, expiresAt: 0, tokenId: sub } };
  }
  if (config === undefined) throw new WardenError('USAGE', 'WARDEN_TOKEN is set: give --config so the token can be verified with the gateway\'s auth settings');
  const authenticator = await createAuthenticator(config.auth, { baseDir: config.baseDir, logger });
  try {
    const principal = await authenticator.authenticate(token);
    if (principal === undefined) throw new WardenError('USAGE', 'WARDEN_TOKEN is set but auth.mode is disabled: nothing can verify it; unset it to decide as the OS user');
    return { by: `token:${principal.sub}`, principal };
  } finally {
    await authenticator.close();
  }
}
