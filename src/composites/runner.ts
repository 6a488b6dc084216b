/**
 * Runs one composite call. Declarative and programmatic composites both reach their steps through
 * the context built here, so "which steps completed" and "which step failed, and why" are tracked
 * in one place and every failure stops the workflow with an error that names them (no silent
 * partial success).
 */
import { WardenError, asWardenError } from '../errors.ts';
import type { Composite, CompositeContext, StepCaller, ToolResult } from './types.ts';

interface RunOptions {
  signal: AbortSignal;
  onProgress?: (message: string, progress?: number, total?: number) => void;
}

export async function runComposite(composite: Composite, args: unknown, callStep: StepCaller, options: RunOptions): Promise<ToolResult> {
  const input = composite.parseInput(args);
  const completed: string[] = [];
  const failure = (step: string, tool: string, code: string, message: string, extra: Record<string, unknown> = {}) =>
    new WardenError('WORKFLOW_STEP_FAILED', `${composite.name}: step ${step} (${tool}) failed: ${message}`, {
      details: { composite: composite.name, step, tool, reason: code, completed: [...completed], ...extra },
    });

  const ctx: CompositeContext = {
    signal: options.signal,
    progress: (message, progress, total) => options.onProgress?.(message, progress, total),
    async call(tool, stepArgs = {}, stepOptions = {}) {
      const step = stepOptions.step ?? tool;
      if (options.signal.aborted) throw failure(step, tool, 'UPSTREAM_CANCELLED', 'the call was cancelled before this step');
      let result: ToolResult;
      try {
        result = await callStep({
          tool,
          arguments: stepArgs,
          step,
          signal: options.signal,
          ...(stepOptions.timeoutMs === undefined ? {} : { timeoutMs: stepOptions.timeoutMs }),
        });
      } catch (error) {
        const cause = asWardenError(error);
        const reasons = cause.details?.reasons;
        throw failure(step, tool, cause.code, `${cause.code}: ${cause.message}`, reasons ? { reasons } : {});
      }
      if (result.isError) throw failure(step, tool, 'TOOL_ERROR', toolErrorText(result));
      completed.push(step);
      return result;
    },
  };
  try {
    return await composite.run(ctx, input);
  } catch (error) {
    const cause = asWardenError(error);
    if (cause.code === 'WORKFLOW_STEP_FAILED') throw cause;
    // A template or code error after some steps ran: still say which steps completed.
    throw new WardenError(cause.code, cause.message, { cause, details: { ...cause.details, composite: composite.name, completed: [...completed] } });
  }
}

function toolErrorText(result: ToolResult): string {
  const text = (result.content ?? [])
    .map((item) => (typeof item === 'object' && item !== null && 'text' in item ? String(item.text) : ''))
    .filter(Boolean)
    .join(' ');
  return text || 'the tool reported an error';
}
