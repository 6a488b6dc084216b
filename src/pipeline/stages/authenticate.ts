import type { Principal } from '../../auth/principal.ts';
import type { PipelineDeps } from '../deps.ts';

/**
 * Stage 1: the bearer token the transport saw becomes a Principal (or undefined when auth is
 * disabled). The Authenticator throws AUTH_* WardenErrors; the runner turns anything else into a
 * denial too.
 */
export async function authenticate<T extends { token: string | undefined }>(
  request: T,
  deps: Pick<PipelineDeps, 'authenticator' | 'clock'>,
): Promise<T & { principal: Principal | undefined; startedAt: number }> {
  const startedAt = deps.clock.now();
  const principal = await deps.authenticator.authenticate(request.token);
  return { ...request, principal, startedAt };
}
