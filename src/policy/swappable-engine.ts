import { performance } from 'node:perf_hooks';
import { asWardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics/index.ts';
import type { PolicyBackend } from './backend.ts';
import { denial, normalizeDecision } from './decision.ts';
import type { Decision, PolicyEngine, PolicyInput } from './contract.ts';
import { copyWith } from '../own.ts';

/** What the audit trail records as `policy_reload`: the outcome and both revisions. */
export interface PolicyReloadEvent {
  ok: boolean;
  trigger: 'watch' | 'signal' | 'manual' | 'bundle';
  oldRevision: string;
  /** The revision now in force: the new one, or the old one when the new set was refused. */
  newRevision: string;
  files: readonly string[];
  /** Set when !ok: the load error, `file:row:col: message` where the backend knows the place. */
  error?: { code: string; message: string };
}

export interface ReloadablePolicyEngine extends PolicyEngine {
  /** Loads the whole set again and swaps it in atomically; a broken set keeps the last good one. */
  reload(trigger?: PolicyReloadEvent['trigger']): Promise<PolicyReloadEvent>;
}

interface EngineRuntime {
  name: 'rego' | 'wasm';
  load: () => Promise<PolicyBackend>;
  budgetMs: number;
  logger: Logger;
  /** Milliseconds from a monotonic source; injectable so budget tests need no slow policy. */
  clock?: () => number;
  onReload?: (event: PolicyReloadEvent) => void;
  /** Stops whatever watches the files; called by close(). */
  stopWatching?: () => void;
}

const FAILED = 'policy evaluation failed';

/**
 * Holds the backend in force and is the only caller of backend.evaluate: every throw and every
 * late answer becomes a POLICY_ERROR denial here, so `evaluate` never rejects.
 */
export class SwappablePolicyEngine implements ReloadablePolicyEngine {
  readonly name: 'rego' | 'wasm';
  #backend: PolicyBackend;
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #runtime: EngineRuntime;
  readonly #clock: () => number;

  private constructor(backend: PolicyBackend, runtime: EngineRuntime) {
    this.name = runtime.name;
    this.#backend = backend;
    this.#runtime = runtime;
    this.#clock = runtime.clock ?? (() => performance.now());
  }

  /** The first load must succeed: a gateway without a policy would have nothing to enforce. */
  static async start(runtime: EngineRuntime): Promise<SwappablePolicyEngine> {
    return new SwappablePolicyEngine(warm(await runtime.load()), runtime);
  }

  get revision(): string {
    return this.#backend.revision;
  }

  async evaluate(input: PolicyInput): Promise<Decision> {
    return copyWith(this.#decide(input), { input });
  }

  #decide(input: PolicyInput): Decision {
    const backend = this.#backend;
    const started = this.#clock();
    try {
      const raw = backend.evaluate(input);
      const elapsed = this.#clock() - started;
      // opa-wasm runs synchronously and cannot be interrupted: a late answer is still refused.
      if (elapsed > this.#runtime.budgetMs) {
        metrics.policyEvaluation('error');
        const decision = denial('POLICY_ERROR', [FAILED], backend.revision);
        this.#runtime.logger.warn({ decisionId: decision.decisionId, elapsedMs: elapsed, budgetMs: this.#runtime.budgetMs }, 'policy evaluation exceeded its budget; denied');
        return decision;
      }
      const decision = normalizeDecision(raw, backend.revision);
      metrics.policyEvaluation(decision.allow === true ? 'allow' : decision.code === 'POLICY_ERROR' ? 'error' : 'deny');
      return decision;
    } catch (error) {
      metrics.policyEvaluation('error');
      const decision = denial('POLICY_ERROR', [FAILED], backend.revision);
      this.#runtime.logger.error({ decisionId: decision.decisionId, err: error instanceof Error ? error : { message: String(error) } }, 'policy evaluation failed; denied');
      return decision;
    }
  }

  reload(trigger: PolicyReloadEvent['trigger'] = 'manual'): Promise<PolicyReloadEvent> {
    // One reload at a time, in order: a burst of signals never interleaves two loads.
    const next = this.#reloading.then(() => this.#reloadNow(trigger));
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(trigger: PolicyReloadEvent['trigger']): Promise<PolicyReloadEvent> {
    const oldRevision = this.#backend.revision;
    let event: PolicyReloadEvent;
    try {
      const backend = warm(await this.#runtime.load());
      this.#backend = backend;
      event = { ok: true, trigger, oldRevision, newRevision: backend.revision, files: backend.files };
      this.#runtime.logger.info({ trigger, oldRevision, newRevision: backend.revision }, 'policy reloaded');
    } catch (error) {
      const failure = asWardenError(error, 'POLICY_LOAD_FAILED');
      event = { ok: false, trigger, oldRevision, newRevision: oldRevision, files: this.#backend.files, error: { code: failure.code, message: failure.message } };
      this.#runtime.logger.error({ trigger, revision: oldRevision, code: failure.code }, `policy reload failed, keeping the last good set: ${failure.message}`);
    }
    metrics.policyReload(event.ok);
    try {
      this.#runtime.onReload?.(event);
    } catch (error) {
      this.#runtime.logger.error({ err: error }, 'policy_reload listener failed');
    }
    return event;
  }

  async close(): Promise<void> {
    this.#runtime.stopWatching?.();
    await this.#reloading;
  }
}

/**
 * Runs one throw-away decision before a backend takes requests. The first evaluation of a freshly
 * compiled set pays for JIT compilation and lazy initialisation (5-60 ms measured here under
 * load), which would otherwise count against the budget of the first real caller and deny it.
 */
function warm(backend: PolicyBackend): PolicyBackend {
  const now = new Date().toISOString();
  try {
    backend.evaluate({ method: 'tools/list', request: { id: 'warm-up', session: 'warm-up', transport: 'stdio', protocol_version: '2026-07-28' }, now });
  } catch {
    // A policy that fails on this input may still decide real ones; evaluate() judges those.
  }
  return backend;
}
