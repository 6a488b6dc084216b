import type { Result } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import { LIST_METHODS, type ForwardMethod, type ListMethod } from '../mcp-methods.ts';
import type { CallRequest, Pipeline } from '../pipeline/index.ts';
import type { TraceCarrier } from '../metrics/index.ts';

/**
 * What both eras do with a list or a forwarded request once it is known to be one: the same
 * pipeline call, so the policy input and the audit rows are the same document in either era.
 * The old-era session (session.ts) and the new-era request handler (modern-http.ts) differ only
 * in what they wrap around it (subscriptions; cache fields and `resultType`).
 */
/** A forwarded or list request as a transport hands it over: a pipeline call before its method is known. */
export type DispatchRequest = Omit<CallRequest, 'method' | 'workflow'>;

const paramsSchema = z.looseObject({ cursor: z.string().optional(), _meta: z.looseObject({}).optional() }).optional();

/** The params object of a request, or REQUEST_INVALID. */
export function requestParams(params: unknown): Record<string, unknown> {
  const parsed = paramsSchema.safeParse(params);
  if (!parsed.success) throw new WardenError('REQUEST_INVALID', 'params: expected an object', { details: { field: 'params' } });
  // The client's own object, not zod's copy: zod drops a `__proto__` key, and every key is data.
  return (params ?? {}) as Record<string, unknown>;
}

/** The W3C trace context of an HTTP request's headers, as the pipeline's `trace` field (none: absent). */
export function traceOf(headers: Record<string, string | string[] | undefined> | undefined): { trace?: TraceCarrier } {
  const traceparent = headers?.traceparent;
  if (typeof traceparent !== 'string') return {};
  const tracestate = headers?.tracestate;
  return { trace: { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) } };
}

/** The caller's progressToken, when it asked for progress. */
export function progressTokenOf(params: Record<string, unknown>): string | number | undefined {
  const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

export async function dispatchList(pipeline: Pipeline, method: ListMethod, request: DispatchRequest): Promise<Result> {
  const cursor = request.params.cursor as string | undefined;
  const page = await pipeline.list({ kind: method, cursor, session: request.session, requestId: request.requestId, token: request.token, ...(request.trace ? { trace: request.trace } : {}) });
  return { [LIST_METHODS[method]]: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
}

export function dispatchForward(pipeline: Pipeline, method: ForwardMethod, request: DispatchRequest): Promise<Result> {
  return pipeline.call({
    method,
    params: request.params,
    session: request.session,
    requestId: request.requestId,
    token: request.token,
    signal: request.signal,
    ...(request.progress ? { progress: request.progress } : {}),
    ...(request.logs ? { logs: request.logs } : {}),
    ...(request.trace ? { trace: request.trace } : {}),
  });
}
