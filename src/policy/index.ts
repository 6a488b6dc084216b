import { logger as rootLogger, type Logger } from '../log.ts';
import type { PolicyBackend } from './backend.ts';
import type { PolicyConfig } from './config.ts';
import { resolvePolicyPath } from './files.ts';
import { SwappablePolicyEngine, type PolicyReloadEvent, type ReloadablePolicyEngine } from './swappable-engine.ts';
import { startBundlePolicyEngine } from './bundle.ts';
import { loadRegoBackend } from './rego-backend.ts';
import { watchPaths } from '../file-watch.ts';
import { withShadow, type ShadowDisagreement } from './shadow.ts';
import { loadWasmBackend } from './wasm-backend.ts';

export type { Decision, PolicyEngine, PolicyInput } from './contract.ts';
export type { PolicyReloadEvent, ReloadablePolicyEngine } from './swappable-engine.ts';
export { policyConfigSchema } from './config.ts';
export { buildPolicyInput, type PolicyRequest } from './input.ts';
export { loadPolicySet } from './policy-set-files.ts';
export { loadSchemaSet } from './schema-files.ts';

export interface PolicyEngineOptions {
  /** Directory that relative `policy.paths` are resolved against (the config file's). Default: cwd. */
  baseDir?: string;
  logger?: Logger;
  /** Called after every reload attempt: the audit trail records it as `policy_reload`. */
  onReload?: (event: PolicyReloadEvent) => void;
  /** Monotonic milliseconds, for the evaluation budget. Default: performance.now. */
  clock?: () => number;
  /** With `policy.shadow`: each disagreement of the shadow set (the audit trail records it). */
  onShadowDisagreement?: (event: ShadowDisagreement) => void;
}

const LOADERS: Record<PolicyConfig['engine'], (config: PolicyConfig, baseDir: string) => Promise<PolicyBackend>> = {
  rego: loadRegoBackend,
  wasm: loadWasmBackend,
};

/**
 * Loads the configured policy set (throws WardenError POLICY_LOAD_FAILED when it is broken: the
 * gateway must not start without a policy) and, with `watch`, reloads it on every change.
 * SIGHUP belongs to the process owner (cli/): it calls `engine.reload('signal')`.
 */
export async function createPolicyEngine(config: PolicyConfig, options: PolicyEngineOptions = {}): Promise<ReloadablePolicyEngine> {
  const { shadow, ...liveConfig } = config;
  if (shadow) {
    const live = await createPolicyEngine(liveConfig, options);
    try {
      // The candidate is always files: the live set may come from a bundle.
      const { bundle: _live, ...fileConfig } = liveConfig;
      const candidate = await createPolicyEngine({ ...fileConfig, paths: shadow.paths, entrypoint: shadow.entrypoint ?? config.entrypoint }, { ...options, onReload: () => {} });
      const logger = (options.logger ?? rootLogger).child({ component: 'policy', shadow: true });
      return withShadow(live, candidate, { logger, onDisagreement: options.onShadowDisagreement ?? (() => {}) });
    } catch (error) {
      await live.close();
      throw error;
    }
  }
  const logger = (options.logger ?? rootLogger).child({ component: 'policy', engine: config.engine });
  if (config.bundle) {
    const engine = await startBundlePolicyEngine(config, { logger, ...(options.clock && { clock: options.clock }), ...(options.onReload && { onReload: options.onReload }) });
    logger.info({ revision: engine.revision, bundle: config.bundle.url }, 'policy loaded');
    return engine;
  }
  const baseDir = options.baseDir ?? process.cwd();
  const load = (): Promise<PolicyBackend> => LOADERS[config.engine](config, baseDir);
  let stopWatching: (() => void) | undefined;
  const engine = await SwappablePolicyEngine.start({
    name: config.engine,
    load,
    budgetMs: config.eval_timeout_ms,
    logger,
    stopWatching: () => stopWatching?.(),
    ...(options.clock && { clock: options.clock }),
    ...(options.onReload && { onReload: options.onReload }),
  });
  if (config.watch) {
    const paths = config.paths.map((path) => resolvePolicyPath(path, baseDir));
    stopWatching = watchPaths(paths, config.watch_debounce_ms, () => void engine.reload('watch'), logger, 'policy').close;
  }
  logger.info({ revision: engine.revision }, 'policy loaded');
  return engine;
}
export { loadRegoBackend } from './rego-backend.ts';
export type { ShadowDisagreement, ShadowedPolicyEngine } from './shadow.ts';
export { normalizeDecision } from './decision.ts';
export { decisionId } from './decision-id.ts';
export { parseDocumentText } from './data-documents.ts';
