import type { Result } from '@modelcontextprotocol/sdk/types.js';
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
