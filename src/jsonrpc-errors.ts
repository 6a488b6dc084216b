import { ProtocolErrorCode as ErrorCode } from '@modelcontextprotocol/client';
import { type ErrorCode as WardenCode, WardenError } from './errors.ts';

/** The implementation-defined codes the gateway has always answered with (SDK v1 named them; v2 keeps them as SDK-side errors only). */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/**
 * The one place WardenError codes become JSON-RPC errors. Standard codes where JSON-RPC/MCP
 * has one (invalid params, method not found, MCP's -32002 resource not found, the SDK's -32001
 * request timeout); gateway refusals use -32003 (auth) and -32004 (policy, audit) so a client can
 * tell "you may not" from "it broke". `data.code` always carries our stable code. An upstream's
 * own JSON-RPC error is relayed with its code, message and data unchanged.
 */
const JSONRPC_CODE: Record<WardenCode, number> = {
  CONFIG_INVALID: ErrorCode.InternalError,
  USAGE: ErrorCode.InvalidRequest,
  SERVER_LISTEN_FAILED: ErrorCode.InternalError,
  AUTH_TOKEN_MISSING: -32003,
  AUTH_TOKEN_INVALID: -32003,
  AUTH_TOKEN_EXPIRED: -32003,
  AUTH_TOKEN_NOT_YET_VALID: -32003,
  AUTH_AUDIENCE: -32003,
  AUTH_ISSUER: -32003,
  AUTH_ALGORITHM: -32003,
  AUTH_KEYS_UNAVAILABLE: -32003,
  AUTH_INSUFFICIENT_SCOPE: -32003,
  POLICY_DENIED: -32004,
  POLICY_UNDEFINED: -32004,
  POLICY_ERROR: -32004,
  POLICY_LOAD_FAILED: -32004,
  AUDIT_UNAVAILABLE: -32004,
  AUDIT_MIGRATION_CHANGED: -32004,
  AUDIT_SCHEMA_TOO_NEW: -32004,
  AUDIT_CHAIN_BROKEN: -32004,
  AUDIT_CHAIN_KEY: -32004,
  AUDIT_REPLICA_IN_USE: -32004,
  AUDIT_CHECKPOINT_KEY: -32004,
  AUDIT_CHECKPOINT_INVALID: -32004,
  REQUEST_INVALID: ErrorCode.InvalidParams,
  REQUEST_TOO_LARGE: ErrorCode.InvalidRequest,
  REQUEST_NUMBER_INEXACT: ErrorCode.InvalidParams,
  REQUEST_TOO_DEEP: ErrorCode.InvalidRequest,
  REQUEST_ID_IN_USE: ErrorCode.InvalidRequest,
  REQUEST_STATE_INVALID: ErrorCode.InvalidParams,
  REQUEST_STATE_EXPIRED: ErrorCode.InvalidParams,
  REQUEST_STATE_FOREIGN: ErrorCode.InvalidParams,
  REQUEST_STATE_ELSEWHERE: ErrorCode.InvalidParams,
  REQUEST_STATE_GONE: ErrorCode.InvalidParams,
  INPUT_UNAVAILABLE: ErrorCode.InvalidRequest,
  REQUEST_HEADER_MISMATCH: -32020,
  PROTOCOL_VERSION_UNSUPPORTED: -32022,
  METHOD_NOT_FOUND: ErrorCode.MethodNotFound,
  TOOL_NOT_FOUND: ErrorCode.InvalidParams,
  RESOURCE_NOT_FOUND: -32002,
  PROMPT_NOT_FOUND: ErrorCode.InvalidParams,
  TASK_NOT_FOUND: ErrorCode.InvalidParams,
  SERVER_DRAINING: CONNECTION_CLOSED,
  UPSTREAM_UNAVAILABLE: CONNECTION_CLOSED,
  UPSTREAM_TIMEOUT: REQUEST_TIMEOUT,
  UPSTREAM_ERROR: ErrorCode.InternalError,
  UPSTREAM_CANCELLED: REQUEST_TIMEOUT,
  RESULT_TOO_LARGE: -32005,
  RATE_LIMITED: -32029,
  CONCURRENCY_LIMITED: -32029,
  SESSION_LIMIT: -32029,
  APPROVAL_DECLINED: -32004,
  APPROVAL_UNAVAILABLE: -32004,
  APPROVAL_STALE: -32004,
  WORKFLOW_STEP_FAILED: -32004,
  WORKFLOW_TEMPLATE_INVALID: ErrorCode.InternalError,
  INTERNAL: ErrorCode.InternalError,
};

/** Fields of `details` that a caller may see (never causes, stacks or internal paths). */
// A failed composite step also names the composite, the step, its tool, why, and the steps that completed.
// A limit's refusal names the rule or limit and when to retry (retryAfterMs).
// A refused 2026-07-28 request carries the spec's data: `supported`/`requested` (-32022), `mismatch` (-32020), `envelope` (-32602).
const PUBLIC_DETAILS = ['reasons', 'decisionId', 'field', 'name', 'uri', 'upstream', 'timeoutMs', 'composite', 'step', 'tool', 'reason', 'completed', 'supported', 'requested', 'mismatch', 'envelope', 'rule', 'retryAfterMs', 'limit'] as const;

/**
 * What the SDK's Protocol turns into the error response: it reads `code`, `message` and `data`.
 * (McpError would prefix the message with "MCP error <code>: ".)
 */
class JsonRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The gateway's own refusal inside an error: the WardenError itself, or the one a JsonRpcError
 * was made from (a refusal handed to the SDK as a handler's error, which can come back out of a
 * request the SDK was fulfilling, e.g. a question inside a new-era upstream's input_required).
 */
export function wardenErrorOf(error: unknown): WardenError | undefined {
  if (error instanceof WardenError) return error;
  return error instanceof JsonRpcError && error.cause instanceof WardenError ? error.cause : undefined;
}

export function toJsonRpcError(error: unknown): JsonRpcError {
  if (!(error instanceof WardenError)) {
    return new JsonRpcError(ErrorCode.InternalError, 'Internal error', { code: 'INTERNAL' });
  }
  const upstream = error.details?.jsonrpc as { code: number; message: string; data?: unknown } | undefined;
  if (error.code === 'UPSTREAM_ERROR' && upstream) return new JsonRpcError(upstream.code, upstream.message, upstream.data);
  const data: Record<string, unknown> = { code: error.code };
  for (const key of PUBLIC_DETAILS) if (error.details?.[key] !== undefined) data[key] = error.details[key];
  const message = error.code === 'INTERNAL' ? 'Internal error' : error.message;
  return new JsonRpcError(JSONRPC_CODE[error.code], message, data, { cause: error });
}

/**
 * The whole JSON-RPC answer to a request refused before any session saw it (a number that cannot
 * be forwarded exactly): the request's id when the refusal knows it (`details.requestId`).
 */
export function refusalResponse(error: unknown): { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string; data: Record<string, unknown> } } {
  const { code, message, data } = toJsonRpcError(error);
  const requestId = error instanceof WardenError ? error.details?.requestId : undefined;
  return { jsonrpc: '2.0', id: typeof requestId === 'string' || typeof requestId === 'number' ? requestId : null, error: { code, message, data: data as Record<string, unknown> } };
}
