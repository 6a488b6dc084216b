/**
 * A composite tool: a tool of the gateway itself whose steps are calls to other tools. Every step
 * goes through the caller's own pipeline (resolve -> authorize -> audit -> forward) via the
 * StepCaller the pipeline hands in, so a composite can never do what its caller could not do step by
 * step.
 */
export interface ToolResult {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
  [key: string]: unknown;
}

export interface StepCall {
  /** Public (namespaced) tool name. */
  tool: string;
  arguments: Record<string, unknown>;
  /** Step id, recorded as input.workflow.step and in the audit row. */
  step: string;
  timeoutMs?: number;
  signal: AbortSignal;
}

/** Provided by the pipeline, bound to the caller's identity and the composite's name. */
export type StepCaller = (call: StepCall) => Promise<ToolResult>;

export interface CompositeContext {
  /** Calls a tool as a step; throws WORKFLOW_STEP_FAILED (naming the step) on denial or failure. */
  call(tool: string, args?: Record<string, unknown>, options?: { step?: string; timeoutMs?: number }): Promise<ToolResult>;
  /** Reports progress to the client (step i of n, or any message). */
  progress(message: string, progress?: number, total?: number): void;
  readonly signal: AbortSignal;
}

export interface Composite {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments, as listed in tools/list. */
  readonly inputSchema: Record<string, unknown>;
  /** Validates the arguments; throws REQUEST_INVALID naming the field. */
  parseInput(args: unknown): Record<string, unknown>;
  run(ctx: CompositeContext, input: Record<string, unknown>): Promise<ToolResult>;
}
