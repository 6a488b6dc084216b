import type { Result } from '@modelcontextprotocol/client';
import { runComposite, type Composite, type StepCall, type ToolResult } from '../../composites/index.ts';
import { WardenError } from '../../errors.ts';
import type { CallRequest, Forwarded, Recorded } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';
import { copyWith } from '../../own.ts';

/**
 * Stage 5 for the gateway's own composite tools: instead of going to an upstream, the composite
 * runs. Each of its steps is a complete new trip through the pipeline (authenticate, resolve,
 * authorize, audit, forward) with the caller's own token and session and `workflow` set, so a
 * composite can never do what its caller could not do step by step, and every step has its own
 * decision and outcome rows. Steps keep the parent's request id: server->client requests raised
 * by a step's upstream still reach the client call that caused them.
 */
export async function runCompositeCall(
  ctx: Recorded,
  deps: Pick<PipelineDeps, 'composites' | 'clock'>,
  call: (request: CallRequest) => Promise<Result>,
): Promise<Forwarded> {
  const name = ctx.target.kind === 'tool' ? ctx.target.entry.originalName : '';
  const composite = deps.composites.get(name);
  if (!composite) throw new WardenError('TOOL_NOT_FOUND', `Unknown tool: ${name}`, { details: { name } });
  const startedAt = deps.clock.now();
  const send = ctx.progress;
  const result = await runComposite(composite, ctx.params.arguments ?? {}, (step) => callStep(ctx, composite, step, deps, call), {
    signal: ctx.signal,
    ...(send && {
      onProgress: (message: string, progress?: number, total?: number) =>
        void send({ progress: progress ?? 0, ...(total === undefined ? {} : { total }), message }).catch(() => undefined),
    }),
  });
  return copyWith(ctx, { result: result as Result, upstreamMs: deps.clock.now() - startedAt });
}

async function callStep(
  parent: Recorded,
  composite: Composite,
  step: StepCall,
  deps: Pick<PipelineDeps, 'composites'>,
  call: (request: CallRequest) => Promise<Result>,
): Promise<ToolResult> {
  // A step that called a composite could recurse without end; composites compose tools only.
  if (deps.composites.has(step.tool)) {
    throw new WardenError('REQUEST_INVALID', `a composite step cannot call the composite tool ${step.tool}`, { details: { name: step.tool } });
  }
  return call({
    method: 'tools/call',
    params: { name: step.tool, arguments: step.arguments },
    session: parent.session,
    requestId: parent.requestId,
    token: parent.token,
    signal: step.signal,
    workflow: { name: composite.name, step: step.step },
    ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
  }) as Promise<ToolResult>;
}
