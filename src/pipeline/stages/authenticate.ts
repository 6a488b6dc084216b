import type { AuthnFailureEvent } from '../../audit/index.ts';
import { checkRequiredScopes, type Principal } from '../../auth/index.ts';
import { WardenError, isWardenError } from '../../errors.ts';
import type { SessionInfo } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';
import { copyWith } from '../../own.ts';

/**
 * Stage 1: the bearer token the transport saw becomes a Principal (or undefined when auth is
 * disabled), which must hold every `auth.required_scopes` scope. The Authenticator throws AUTH_*
 * WardenErrors; each refusal is reported to the audit trail's failure aggregator (never the
 * token itself). The runner turns anything unexpected into a denial too.
 */
export async function authenticate<T extends { token: string | undefined; session: SessionInfo }>(
  request: T,
  deps: Pick<PipelineDeps, 'authenticator' | 'clock' | 'requiredScopes' | 'authFailures'>,
): Promise<T & { principal: Principal | undefined; startedAt: number }> {
  const startedAt = deps.clock.now();
  try {
    const principal = await deps.authenticator.authenticate(request.token);
    if (principal && deps.requiredScopes.length > 0) checkRequiredScopes(principal, deps.requiredScopes);
    request.session.authenticated?.(principal);
    return copyWith(request, { principal, startedAt });
  } catch (error) {
    if (isWardenError(error) && error.code.startsWith('AUTH_')) {
      const event: AuthnFailureEvent = { time: new Date(deps.clock.now()).toISOString(), source: request.session.remoteAddr ?? request.session.transport, reason: error.code };
      deps.authFailures?.recordAuthnFailure(event);
      // stdio has no header to send: say where the gateway looks for the token instead.
      if (error.code === 'AUTH_TOKEN_MISSING' && request.session.transport === 'stdio') {
        throw new WardenError('AUTH_TOKEN_MISSING', 'no token: over stdio the gateway reads the bearer token from WARDEN_TOKEN in the environment its client starts it with (warden token create makes one)', { cause: error });
      }
    }
    throw error;
  }
}
