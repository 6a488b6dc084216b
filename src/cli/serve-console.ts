import { openConfiguredConsoleReader } from '../audit/index.ts';
import type { ConsoleHandler } from '../console/index.ts';
import { createConsole } from '../console/index.ts';
import { startChainVerifier } from '../console/index.ts';
import type { ResolvedConfig } from '../config/index.ts';
import type { Gateway } from '../gateway/index.ts';
import type { Logger } from '../log.ts';
import type { Services } from './serve.ts';

/** How often the console's chain status runs `warden audit verify` again. */
const VERIFY_INTERVAL_MS = 10 * 60_000;

/**
 * The console's wiring (console.enabled): a read-only reader of the gateway's own trail, the
 * gateway's authenticator and policy, the catalog as the pipeline filters it, upstream health and
 * the periodic chain verify. Undefined when the console is off.
 */
export async function startConsole(config: ResolvedConfig, gateway: Gateway, services: Services, log: Logger): Promise<{ handler: ConsoleHandler; close(): void } | undefined> {
  if (!config.console.enabled) return undefined;
  const reader = await openConfiguredConsoleReader(config.audit, config.baseDir);
  const verifier = startChainVerifier(config.file, VERIFY_INTERVAL_MS, log);
  try {
    const handler = await createConsole({
      config: config.console,
      baseDir: config.baseDir,
      authenticator: services.authenticator,
      policy: services.policy,
      log: log.child({ component: 'console' }),
      reader,
      seenBy: (principal) => gateway.pipeline.seenBy(principal),
      upstreams: () => gateway.upstreams.all().map((u) => ({ name: u.spec.name, state: u.state, breaker: u.breaker })),
      chain: () => verifier.status(),
      policyRevision: () => services.policy.revision,
    });
    return {
      handler,
      close() {
        verifier.stop();
        void reader.close();
      },
    };
  } catch (error) {
    verifier.stop();
    await reader.close();
    throw error;
  }
}
