/** Evaluation limits, so a policy can never hang the gateway; each ends in a RegoError. */
export interface Limits {
  /** Expression evaluations per query (`eval_budget_error: evaluation step budget exceeded`). */
  maxSteps: number;
  /** Nested rule and function evaluations (`eval_budget_error: evaluation depth limit exceeded`). */
  maxDepth: number;
  /** Parser nesting depth. */
  maxParseDepth: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({ maxSteps: 1_000_000, maxDepth: 200, maxParseDepth: 200 });
