import type { Result } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { ApprovalRecordOfCall } from '../audit/index.ts';

/** What the caller's user is shown: the call as the audit trail records it (arguments redacted). */
export interface ApprovalQuestion {
  tool: string;
  upstream: string;
  upstreamName: string | undefined;
  /** Redacted as in the audit trail. */
  arguments: unknown;
  reason: string;
}

/**
 * Whether a client's declared `elicitation` capability includes form mode: `{}` is form mode
 * (2025-06-18); since 2025-11-25 modes are named, and a client of URL mode only cannot show a
 * form. Read from `initialize` (old era) or the request's `_meta` envelope (new era).
 */
export function answersFormElicitation(capabilities: unknown): boolean {
  if (typeof capabilities !== 'object' || capabilities === null || !Object.hasOwn(capabilities, 'elicitation')) return false;
  const elicitation = (capabilities as { elicitation: unknown }).elicitation;
  if (typeof elicitation !== 'object' || elicitation === null) return false;
  return Object.hasOwn(elicitation, 'form') || !Object.hasOwn(elicitation, 'url');
}

/**
 * The key of the gateway's question among an input_required result's `inputRequests` (MCP
 * 2026-07-28); the caller's retry answers under the same key in `inputResponses`.
 */
export const APPROVAL_INPUT_KEY = 'mcp-warden-approval';

/** The new era's embedded request (input_required): the same question as elicitation/create. */
export function approvalInputRequests(question: ApprovalQuestion): Record<string, unknown> {
  return { [APPROVAL_INPUT_KEY]: { method: 'elicitation/create', params: elicitationParams(question) } };
}

const answerSchema = z.object({ action: z.enum(['accept', 'decline', 'cancel']) });

/**
 * The caller's answer to the gateway's question in a new-era retry (`params.inputResponses`):
 * only an explicit `accept` approves; a decline or cancel refuses, and so does no answer under
 * our key or one of another shape (`unanswered`).
 */
export function answerOf(inputResponses: unknown): 'approved' | 'declined' | 'cancelled' | 'unanswered' {
  const entry = typeof inputResponses === 'object' && inputResponses !== null && Object.hasOwn(inputResponses, APPROVAL_INPUT_KEY) ? (inputResponses as Record<string, unknown>)[APPROVAL_INPUT_KEY] : undefined;
  const answer = answerSchema.safeParse(entry);
  if (!answer.success) return 'unanswered';
  return answer.data.action === 'accept' ? 'approved' : answer.data.action === 'cancel' ? 'cancelled' : 'declined';
}

/** How the gateway reaches the caller: the session's server->client request (old era). */
export type Elicit = (params: Record<string, unknown>, signal: AbortSignal, timeoutMs: number) => Promise<Result>;

/**
 * The elicitation/create params (MCP 2025-06-18+, form mode). The form has no fields: the
 * answer is the action alone, and only `accept` approves. The same facts ride in `_meta` for a
 * client that renders its own confirmation.
 */
export function elicitationParams(question: ApprovalQuestion): Record<string, unknown> {
  const target = question.upstreamName === undefined ? question.upstream : `${question.upstream}, its tool ${question.upstreamName}`;
  const message = [
    'mcp-warden asks you to approve one call before it is sent.',
    `Tool: ${question.tool} (upstream ${target})`,
    `Arguments: ${JSON.stringify(question.arguments ?? {}, null, 2)}`,
    `Why approval is needed: ${question.reason}`,
    'Accept to send exactly this call; decline or cancel to refuse it.',
  ].join('\n');
  return {
    message,
    requestedSchema: { type: 'object', properties: {} },
    _meta: { 'io.mcp-warden/approval': { tool: question.tool, upstream: question.upstream, arguments: question.arguments ?? {}, reason: question.reason } },
  };
}

type CallerResult = Extract<ApprovalRecordOfCall['result'], 'approved' | 'declined' | 'cancelled' | 'timeout' | 'unavailable'>;

/**
 * Asks and reads the answer. Only an explicit `accept` approves; a `decline`, a `cancel`, any
 * other action, no answer within `timeoutMs` and a caller that cancelled its own call all
 * refuse. A client that answers with an error (it cannot elicit after all) is `unavailable`.
 */
export async function askCaller(elicit: Elicit, question: ApprovalQuestion, callSignal: AbortSignal, timeoutMs: number): Promise<CallerResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const answer = await elicit(elicitationParams(question), AbortSignal.any([callSignal, timeout]), timeoutMs);
    if (answer.action === 'accept') return 'approved';
    return answer.action === 'cancel' ? 'cancelled' : 'declined';
  } catch (error) {
    if (callSignal.aborted) return 'cancelled';
    // The SDK's own request timeout (McpError -32001) and our signal are the same thing here.
    if (timeout.aborted || (error as { code?: unknown }).code === -32001) return 'timeout';
    return 'unavailable';
  }
}
