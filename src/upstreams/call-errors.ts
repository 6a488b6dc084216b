import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { WardenError } from '../errors.ts';
import { wardenErrorOf } from '../jsonrpc-errors.ts';
import { tooLargeLimit, unansweredReason } from './own-answers.ts';

/**
 * Turns what a forwarded upstream request threw into a WardenError. `why` says whether our own
 * deadline or the caller's cancellation aborted it, so a timeout is never mistaken for an
 * upstream's own -32001 answer.
 */
export function upstreamCallError(upstream: string, error: unknown, why: 'timeout' | 'cancelled' | undefined, timeoutMs: number): WardenError {
  if (why === 'timeout') {
    return new WardenError('UPSTREAM_TIMEOUT', `Upstream "${upstream}" did not answer within ${timeoutMs} ms`, { cause: error, details: { upstream, timeoutMs } });
  }
  if (why === 'cancelled') {
    return new WardenError('UPSTREAM_CANCELLED', `Request to upstream "${upstream}" was cancelled`, { cause: error, details: { upstream } });
  }
  // The gateway's own refusal made while the call was in flight (a question the upstream asked,
  // denied by policy or not recorded): the caller gets it as it is, and it is not the upstream's
  // failure, so the circuit breaker never counts it.
  const own = wardenErrorOf(error);
  if (own !== undefined) return own;
  const limit = tooLargeLimit(error);
  if (limit !== undefined) {
    return new WardenError('RESULT_TOO_LARGE', `Upstream "${upstream}" answered with more than max_result_bytes (${limit} bytes); the answer was dropped`, { cause: error, details: { upstream, limit } });
  }
  const unanswered = unansweredReason(error);
  if (unanswered !== undefined) {
    return new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${upstream}" failed: ${unanswered}`, { cause: error, details: { upstream } });
  }
  if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
    return new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${upstream}" closed the connection`, { cause: error, details: { upstream } });
  }
  if (error instanceof ProtocolError) {
    // The upstream's own JSON-RPC error: kept whole so downstream/ can relay it unchanged.
    const { message } = error;
    return new WardenError('UPSTREAM_ERROR', message, { cause: error, details: { upstream, jsonrpc: { code: error.code, message, data: error.data } } });
  }
  return new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${upstream}" failed: ${(error as Error)?.message ?? String(error)}`, { cause: error, details: { upstream } });
}
