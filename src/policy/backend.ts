import type { PolicyInput } from './contract.ts';
import type { RawResult } from './decision.ts';

/**
 * What a loaded policy set offers the engine: the raw value of the entrypoint for one input.
 * A backend may throw; the engine turns every throw into a POLICY_ERROR denial
 * (src/policy/decision.ts is the only place that interprets the value).
 */
export interface PolicyBackend {
  readonly name: 'rego' | 'wasm';
  /** SHA-256 over the loaded files (names and bytes): what the audit trail records. */
  readonly revision: string;
  /** Display names of the loaded files, for logs and `policy_reload` events. */
  readonly files: readonly string[];
  evaluate(input: PolicyInput): RawResult;
}
