import { randomUUID } from 'node:crypto';
import type { Result } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { taskOwner } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CallRequest, Recorded } from './context.ts';
import type { PipelineDeps } from './deps.ts';
import type { TaskMethod } from '../mcp-methods.ts';
import { decisionId } from '../policy/index.ts';
import type { Observed } from './observe.ts';
import { auditTaskDecision } from './stages/audit-decision.ts';
import { auditOutcome } from './stages/audit-outcome.ts';
import { authenticate } from './stages/authenticate.ts';
import { denialError, taskInput } from './stages/authorize.ts';
import { upstreamParams } from './stages/resolve.ts';

/**
 * The tasks extension (SEP-2663, `io.modelcontextprotocol/tasks`) through the gateway. An
 * upstream may answer a new-era caller's `tools/call` with a task handle (`resultType: "task"`)
 * instead of a result; the caller then polls `tasks/get` and answers `tasks/update`, or sends
 * `tasks/cancel`, by the task's id.
 *
 * - The caller never sees the upstream's id: the gateway gives each task a random id of its own
 *   and keeps (id -> upstream, upstream id, owner) in the audit store's `tasks` table before the
 *   caller hears of the task, so ids of two upstreams cannot collide and any replica on the same
 *   store finds the task.
 * - A task is there only for the principal that started it (issuer and subject). Anyone else is
 *   answered TASK_NOT_FOUND exactly as for an id that does not exist, after the same work (one
 *   read, one committed deny row), so the answer is no oracle for other callers' tasks.
 * - The owner's requests are decided by the policy (`input.task`, `input.params` as forwarded) and
 *   recorded like calls: a decision row before the upstream hears of it, an outcome row after.
 */
export interface TaskRequest extends Omit<CallRequest, 'method' | 'workflow' | 'timeoutMs' | 'progress'> {
  method: TaskMethod;
}

type StageName = 'authenticate' | 'resolve' | 'authorize' | 'audit-decision' | 'forward' | 'audit-outcome';
export type RunStage = <T>(name: StageName, run: () => T | Promise<T>) => Promise<T>;

const taskParams = z.looseObject({ taskId: z.string({ error: 'params.taskId: expected a string' }) });

/** The one answer for a task that is not the caller's, whether it exists or not: the extension's -32602. */
function taskNotFound(id: string): WardenError {
  return new WardenError('TASK_NOT_FOUND', 'Failed to retrieve task: Task not found', { details: { taskId: id } });
}

export async function taskStages(request: TaskRequest, deps: PipelineDeps, stage: RunStage, observed: Observed, log: Logger): Promise<Result> {
  const subject = await stage('authenticate', () => authenticate(request, deps));
  const parsed = taskParams.safeParse(request.params);
  if (!parsed.success) throw new WardenError('REQUEST_INVALID', 'params.taskId: expected a string', { details: { field: 'params.taskId' } });
  const id = parsed.data.taskId;
  const owner = taskOwner(subject.principal);
  const task = await stage('resolve', async () => {
    const found = await deps.tasks?.read(id);
    return found?.owner === owner ? found : undefined;
  });
  const fields = { ...subject, method: request.method };
  if (task === undefined) {
    observed.denied();
    const decision = { allow: false, reasons: ['no task of that id for this caller'], decisionId: decisionId(), revision: deps.policy.revision };
    await auditTaskDecision({ ...fields, decision }, { id, code: 'TASK_NOT_FOUND' }, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
    throw taskNotFound(id);
  }
  const connection = deps.upstreams.get(task.upstream);
  const params = { ...upstreamParams(request.params), taskId: task.upstreamTaskId };
  const named = {
    id,
    upstream: task.upstream,
    upstreamTaskId: task.upstreamTaskId,
    params,
    ...(connection?.protocolVersion === undefined ? {} : { upstreamProtocolVersion: connection.protocolVersion }),
  };
  const decision = await stage('authorize', () => deps.policy.evaluate(taskInput(subject, request.method, { id, server: task.upstream, upstream_id: task.upstreamTaskId }, params, deps.clock.now())));
  observed.decided(decision);
  if (decision.allow !== true) {
    await auditTaskDecision({ ...fields, decision }, named, deps).catch((error: unknown) => log.error({ err: error }, 'recording a denial failed'));
    throw denialError(decision);
  }
  await stage('audit-decision', () => auditTaskDecision({ ...fields, decision }, named, deps));
  const recorded = { decision, requestId: request.requestId, session: request.session, signal: request.signal, startedAt: subject.startedAt };
  let done: { result: Result; upstreamMs: number } | { error: unknown };
  const sentAt = deps.clock.now();
  try {
    if (connection === undefined) throw new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${task.upstream}" is not configured`, { details: { upstream: task.upstream } });
    const result = await stage('forward', () => connection.request(request.method, params, { signal: request.signal }));
    // The task as the caller knows it: by the gateway's id.
    done = { result: result.taskId === task.upstreamTaskId ? { ...result, taskId: id } : result, upstreamMs: deps.clock.now() - sentAt };
  } catch (error) {
    done = { error };
  }
  void stage('audit-outcome', () => auditOutcome(recorded, done, deps)).catch((error: unknown) => log.error({ err: error, decisionId: decision.decisionId }, 'recording an outcome failed'));
  if ('error' in done) throw done.error;
  return done.result;
}

/**
 * An upstream answered a call with a task handle: the task is recorded for the call's principal
 * under a fresh id of the gateway's, committed before the caller hears of it (the extension: a
 * handle is given only once a `tasks/get` of it would resolve). Only `tools/call` may become a
 * task, and only where the gateway offers tasks (else it never told the upstream the caller
 * supports them): anything else is an invalid answer.
 */
export async function adoptTask(result: Result, ctx: Recorded, deps: Pick<PipelineDeps, 'tasks' | 'clock'>): Promise<Result> {
  const upstreamTaskId = result.taskId;
  if (ctx.method !== 'tools/call' || deps.tasks === undefined || typeof upstreamTaskId !== 'string') {
    throw new WardenError('UPSTREAM_ERROR', `Upstream "${ctx.upstream}" answered ${ctx.method} with a task the gateway did not offer`, { details: { upstream: ctx.upstream } });
  }
  const id = randomUUID();
  await deps.tasks.record({ id, upstream: ctx.upstream, upstreamTaskId, owner: taskOwner(ctx.principal), decisionId: ctx.decision.decisionId, createdAt: new Date(deps.clock.now()).toISOString() });
  return { ...result, taskId: id };
}
