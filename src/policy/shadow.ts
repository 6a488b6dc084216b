/**
 * Shadow policy (`policy.shadow`): a candidate set decides every input the live set decides, after
 * the live answer is given and without changing it. A disagreement (allow vs deny) is reported to
 * `onDisagreement` (the audit trail records it) and counted. The shadow decision runs on its own
 * engine, with the live set's time budget (a late or failing shadow is a POLICY_ERROR denial, as
 * it would be live), deferred to the next turn of the event loop so it never adds to a request's
 * latency; at most MAX_PENDING wait at once, beyond that a decision is not shadowed (counted).
 */
import type { Logger } from '../log.ts';
import type { Decision, PolicyInput } from './contract.ts';
import type { PolicyReloadEvent, ReloadablePolicyEngine } from './swappable-engine.ts';

export interface ShadowDisagreement {
  time: string;
  input: PolicyInput;
  live: Decision;
  shadow: Decision;
}

export interface ShadowCounts {
  /** Decisions the shadow set decided too. */
  compared: number;
  disagreements: number;
  /** Decisions not shadowed because MAX_PENDING were already waiting. */
  skipped: number;
}

export interface ShadowedPolicyEngine extends ReloadablePolicyEngine {
  shadowCounts(): ShadowCounts;
  /** Resolves once every shadow decision scheduled so far is made (tests, benches, shutdown). */
  drained(): Promise<void>;
}

const MAX_PENDING = 1024;

export function withShadow(live: ReloadablePolicyEngine, shadow: ReloadablePolicyEngine, options: { onDisagreement: (event: ShadowDisagreement) => void; logger: Logger }): ShadowedPolicyEngine {
  const counts: ShadowCounts = { compared: 0, disagreements: 0, skipped: 0 };
  let pending = 0;
  let idle: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const compare = async (input: PolicyInput, decision: Decision): Promise<void> => {
    try {
      const other = await shadow.evaluate(input);
      counts.compared++;
      if (other.allow === decision.allow) return;
      counts.disagreements++;
      options.logger.warn({ decisionId: decision.decisionId, live: decision.allow, shadow: other.allow, disagreements: counts.disagreements }, 'shadow policy disagrees');
      options.onDisagreement({ time: new Date().toISOString(), input, live: decision, shadow: other });
    } catch (error) {
      // evaluate never rejects; a failing listener must not reach the live path either.
      options.logger.error({ err: error }, 'shadow policy comparison failed');
    } finally {
      if (--pending === 0) wake?.();
    }
  };

  return {
    name: live.name,
    get revision() {
      return live.revision;
    },
    async evaluate(input) {
      const decision = await live.evaluate(input);
      if (pending >= MAX_PENDING) counts.skipped++;
      else {
        if (pending++ === 0) idle = new Promise((resolve) => (wake = resolve));
        setImmediate(() => void compare(input, decision));
      }
      return decision;
    },
    async reload(trigger): Promise<PolicyReloadEvent> {
      const [event] = await Promise.all([live.reload(trigger), shadow.reload(trigger)]);
      return event;
    },
    shadowCounts: () => ({ ...counts }),
    drained: () => idle,
    async close() {
      await idle;
      options.logger.info({ ...counts }, 'shadow policy counts');
      await Promise.all([live.close(), shadow.close()]);
    },
  };
}
