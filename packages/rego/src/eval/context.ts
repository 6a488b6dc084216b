/**
 * Evaluation state that `with` can replace: input, the base data document, rule nodes hidden by a
 * `with data...` override, function replacements, and the per-scope cache of rule values. A `with`
 * opens a fresh context (and cache), as OPA's topdown does.
 */
import type { Value } from '../value.ts';
import type { RuleNode } from '../compiler/rule-tree.ts';

/** Cached "undefined" for a rule node (distinct from "not yet evaluated"). */
export const UNDEFINED = Symbol('undefined');

export type FunctionReplacement = { kind: 'value'; value: Value } | { kind: 'function'; name: string };

export interface EvalContext {
  input: Value | undefined;
  data: Value;
  masks: ReadonlySet<RuleNode> | undefined;
  functions: ReadonlyMap<string, FunctionReplacement> | undefined;
  cache: Map<RuleNode, Value | typeof UNDEFINED>;
}

export type Env = (Value | undefined)[];

/** A continuation; returning true stops the enumeration (a result was enough). */
export type K = () => boolean;
export type VK = (value: Value) => boolean;
