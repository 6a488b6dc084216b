import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthnFailureEvent } from '../../../src/audit/sink.ts';
import { createAuthenticator } from '../../../src/auth/index.ts';
import type { Authenticator } from '../../../src/auth/principal.ts';
import { authenticate } from '../../../src/pipeline/stages/authenticate.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { T0, authConfig, claimsAt, newSigningKey, sign, testClock, type SigningKey } from '../../../testkit/support/tokens.ts';
import { callRequest, session } from './stage-context.ts';

/**
 * Stage 1 in process, with the real JWT authenticator over a JWKS file and really signed tokens:
 * what the stage hands on, and what it reports to the audit trail's failure aggregator.
 */
const { dir, cleanup } = tempDir('stage-authenticate');
const clock = testClock();
let key: SigningKey;
let authenticator: Authenticator;

beforeAll(async () => {
  key = await newSigningKey('stage-key');
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [key.jwk] }));
  authenticator = await createAuthenticator(authConfig({ jwks_file: 'jwks.json' }), { baseDir: dir, logger: silentLogger, now: clock.now });
});
afterAll(async () => {
  await authenticator.close();
  cleanup();
});

function deps(requiredScopes: string[] = []) {
  const failures: AuthnFailureEvent[] = [];
  return { failures, deps: { authenticator, clock, requiredScopes, authFailures: { recordAuthnFailure: (event: AuthnFailureEvent) => void failures.push(event) } } };
}

const token = (claims: Record<string, unknown> = {}) => sign(key.privateKey, claimsAt(claims), { kid: key.kid });

describe('authenticate - the stage in process', () => {
  it('hands on the request with the verified principal and the time it started; nothing is reported', async () => {
    const { deps: d, failures } = deps(['db:read']);
    const ctx = await authenticate(callRequest(await token()), d);
    expect(ctx.principal).toMatchObject({ sub: 'alice', scopes: ['db:read'], roles: ['analyst'], expiresAt: T0 + 3600 });
    expect(ctx.startedAt).toBe(clock.ms);
    expect(ctx.params).toEqual({ name: 'db__query', arguments: { sql: 'select 1' } });
    expect(failures).toEqual([]);
  });

  it('refuses a principal without a required scope with AUTH_INSUFFICIENT_SCOPE and reports it by source', async () => {
    const { deps: d, failures } = deps(['db:write']);
    await expect(authenticate(callRequest(await token()), d)).rejects.toMatchObject({ code: 'AUTH_INSUFFICIENT_SCOPE' });
    expect(failures).toEqual([{ time: new Date(clock.ms).toISOString(), source: session.remoteAddr, reason: 'AUTH_INSUFFICIENT_SCOPE' }]);
  });

  it('refuses an expired and a missing token with their codes, each reported once', async () => {
    const { deps: d, failures } = deps();
    await expect(authenticate(callRequest(await token({ iat: T0 - 7200, nbf: T0 - 7200, exp: T0 - 3600 })), d)).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
    await expect(authenticate(callRequest(undefined), d)).rejects.toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
    expect(failures.map((f) => f.reason)).toEqual(['AUTH_TOKEN_EXPIRED', 'AUTH_TOKEN_MISSING']);
  });
});
