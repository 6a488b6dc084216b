/**
 * Every error mcp-warden raises on purpose is a WardenError with a stable string code from the
 * table below. The table is the single source: the type of `code`, the docs page
 * (docs/errors.md, checked by test/unit/errors.test.ts) and the JSON-RPC mapping in downstream/ all
 * read from it. Codes never change meaning once released; add new ones instead.
 */
export const ERROR_CODES = {
  // Configuration and start-up
  CONFIG_INVALID: 'The configuration file is missing, unreadable, not JSON, or fails validation.',
  USAGE: 'A command-line invocation is malformed (unknown flag, missing argument).',
  SERVER_LISTEN_FAILED: 'The gateway cannot listen on its host and port (in use by another process, or not allowed).',

  // Authentication
  AUTH_TOKEN_MISSING: 'No bearer token was presented.',
  AUTH_TOKEN_INVALID: 'The token is malformed, its signature does not verify, or a required claim is missing.',
  AUTH_TOKEN_EXPIRED: 'The token is past its exp (beyond the clock tolerance).',
  AUTH_TOKEN_NOT_YET_VALID: 'The token nbf or iat lies in the future (beyond the clock tolerance).',
  AUTH_AUDIENCE: 'The token aud does not name this gateway.',
  AUTH_ISSUER: 'The token iss is not a configured issuer.',
  AUTH_ALGORITHM: 'The token alg is not allowed for its issuer.',
  AUTH_KEYS_UNAVAILABLE: 'The verification keys could not be obtained (JWKS down, slow or garbage).',
  AUTH_INSUFFICIENT_SCOPE: 'The token is valid but lacks a scope the gateway requires.',

  // Authorization
  POLICY_DENIED: 'The policy decided to deny the request.',
  POLICY_UNDEFINED: 'The policy produced no decision (undefined); denied.',
  POLICY_ERROR: 'Policy evaluation failed or exceeded its budget; denied.',
  POLICY_LOAD_FAILED: 'The policy files could not be parsed or compiled.',

  // Audit
  AUDIT_UNAVAILABLE: 'The audit record could not be written; nothing was forwarded.',
  AUDIT_MIGRATION_CHANGED: 'An applied database migration no longer matches its file.',
  AUDIT_SCHEMA_TOO_NEW: 'The audit database was written by a newer mcp-warden.',
  AUDIT_CHAIN_BROKEN: 'The audit hash chain does not verify.',
  AUDIT_CHAIN_KEY: 'The audit log is keyed (HMAC chain) and the chain key is missing or a different one.',
  AUDIT_REPLICA_IN_USE: 'Another live process writes the audit chain of this audit.replica_id (PostgreSQL backend).',
  AUDIT_CHECKPOINT_KEY: 'A checkpoint signing or verification key cannot be read or is not an Ed25519 key.',
  AUDIT_CHECKPOINT_INVALID: 'A line of a checkpoint file is not a checkpoint, or its signature does not verify (altered or forged).',

  // Requests and routing
  REQUEST_INVALID: 'The request is malformed or its parameters fail validation.',
  REQUEST_TOO_LARGE: 'The request body (or stdio line) exceeds the configured size limit.',
  REQUEST_NUMBER_INEXACT: 'A number in the request cannot be forwarded exactly (beyond double precision, out of range, or -0); send it as a string.',
  REQUEST_TOO_DEEP: 'The request nests objects and arrays deeper than server.max_json_depth.',
  REQUEST_ID_IN_USE: 'A request with the same JSON-RPC id is still in flight in this session.',
  REQUEST_STATE_INVALID: 'The requestState of a retried request was not sealed by this gateway, was altered, or belongs to another request.',
  REQUEST_STATE_EXPIRED: 'The requestState of a retried request is past its expiry.',
  REQUEST_STATE_FOREIGN: 'The requestState of a retried request was issued to another principal.',
  REQUEST_STATE_ELSEWHERE: 'The requestState of a retried request continues an upstream call that waits in another gateway process (replica, or before a restart).',
  REQUEST_STATE_GONE: 'The upstream call a retried request continues is no longer waiting (it ended, timed out, its upstream went away, or it was already continued).',
  INPUT_UNAVAILABLE: 'An upstream asked for input (sampling, elicitation, roots) that its 2026-07-28 caller cannot be asked for; the upstream gets this error.',
  REQUEST_HEADER_MISMATCH: 'A 2026-07-28 request over HTTP lacks a required header (MCP-Protocol-Version, Mcp-Method, Mcp-Name) or one disagrees with the body (JSON-RPC -32020, HTTP 400).',
  PROTOCOL_VERSION_UNSUPPORTED: 'The request names a protocol version the gateway does not serve (JSON-RPC -32022, HTTP 400; data lists the supported ones).',
  METHOD_NOT_FOUND: 'The JSON-RPC method is not supported by the gateway.',
  TOOL_NOT_FOUND: 'No tool of that name exists for this caller.',
  RESOURCE_NOT_FOUND: 'No resource with that URI exists for this caller.',
  PROMPT_NOT_FOUND: 'No prompt of that name exists for this caller.',
  TASK_NOT_FOUND: 'No task of that id exists for this caller (the tasks extension: a task is there only for the principal that started it).',
  SERVER_DRAINING: 'The gateway is stopping (SIGTERM): it finishes the calls in flight and refuses new ones (HTTP 503); retry on another replica.',

  // Upstreams
  UPSTREAM_UNAVAILABLE: 'The upstream server is not connected, or its circuit breaker is open (data.reason, data.retryAfterMs).',
  UPSTREAM_TIMEOUT: 'The upstream did not answer within the configured timeout.',
  UPSTREAM_ERROR: 'The upstream answered with an error.',
  UPSTREAM_CANCELLED: 'The request was cancelled before the upstream answered.',
  RESULT_TOO_LARGE: 'The upstream answer exceeded its max_result_bytes; it was dropped while being read.',

  // Limits (per replica)
  RATE_LIMITED: 'The call exceeded a rate limit rule; data.retryAfterMs says when a call would be admitted.',
  CONCURRENCY_LIMITED: 'Too many calls in flight to the upstream or from the caller, and the wait queue was full or timed out.',
  SESSION_LIMIT: 'The caller, or the gateway in total, has as many open sessions as allowed.',

  // Approvals (issue 15): the policy allowed the call only with a person's approval
  APPROVAL_DECLINED: 'The call needed an approval and did not get one: the person asked declined or cancelled, or nobody answered in time; nothing was forwarded.',
  APPROVAL_UNAVAILABLE: 'The call needed an approval that could not be asked for: the client cannot answer elicitation, or the approvals store is unreachable; nothing was forwarded.',
  APPROVAL_STALE: 'The approval no longer matches the call: the tool definition or the policy changed while it was asked for; nothing was forwarded.',

  // Composite workflows
  WORKFLOW_STEP_FAILED: 'A step of a composite tool failed or was denied; later steps did not run.',
  WORKFLOW_TEMPLATE_INVALID: 'A composite tool template cannot be evaluated.',

  INTERNAL: 'An unexpected internal error; the request was refused.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

interface WardenErrorOptions {
  cause?: unknown;
  /** Structured, caller-safe details (JSON-serialisable), e.g. policy reasons or a JSON path. */
  details?: Record<string, unknown>;
}

export class WardenError extends Error {
  override readonly name: string = 'WardenError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isWardenError(error: unknown, code?: ErrorCode): error is WardenError {
  return error instanceof WardenError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a WardenError, keeping the original as `cause`. */
export function asWardenError(error: unknown, fallback: ErrorCode = 'INTERNAL'): WardenError {
  if (error instanceof WardenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WardenError(fallback, message, { cause: error });
}
