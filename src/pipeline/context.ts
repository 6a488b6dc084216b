import type { LoggingLevel, Progress, Result } from '@modelcontextprotocol/client';
import type { Principal } from '../auth/index.ts';
import type { NamedEntry } from '../catalog/index.ts';
import type { TraceCarrier } from '../metrics/index.ts';
import type { Decision } from '../policy/index.ts';
import type { PinStatus } from '../integrity/index.ts';
import type { ApprovalRecordOfCall } from '../audit/index.ts';
/**
 * One type per stage. Each stage turns its input context into the next, so the compiler keeps
 * the security order: `forward` accepts only a Recorded context, which only audit-decision can
 * make, which needs an Authorized one, which only authorize makes.
 */

import type { SealedApproval } from './continuation.ts';
import type { ForwardMethod } from '../mcp-methods.ts';


/** How the gateway talks back to the client of one session (server->client requests). */
export interface ClientChannel {
  /** `timeoutMs`: instead of the SDK's default request timeout (60 s). */
  request(method: string, params: Record<string, unknown> | undefined, relatedRequestId: string | number, signal: AbortSignal, timeoutMs?: number): Promise<Result>;
  /** Whether the client declared it answers form elicitation (approvals ask through it); absent: it cannot. */
  canElicit?(): boolean;
}

/**
 * Who is on the other end of a downstream session (old era), or of one stateless request (new
 * era: a session of one request); fixed for its life, except the protocol version, which an
 * old-era session learns from its `initialize`.
 */
export interface SessionInfo {
  id: string;
  transport: 'stdio' | 'http';
  remoteAddr?: string;
  /** The MCP revision the client speaks (`2026-07-28`, `2025-11-25`, ...): policies see it, audit rows keep it. */
  protocolVersion: string;
  channel: ClientChannel;
  /**
   * The caller takes an upstream's `input_required` result as it is (a 2026-07-28 client; the
   * gateway seals its state, continuation.ts). Otherwise the upstream client fulfils it through
   * the server->client relay (an old-era caller gets elicitation/create etc. as requests).
   */
  takesInputRequired?: boolean;
  /**
   * What a 2026-07-28 caller may be asked for, from its request's envelope (of `elicitation`,
   * `sampling`, `roots`: what the gateway can relay). A new-era upstream is told these instead of
   * the gateway's own, so it never asks the caller for what the caller did not declare.
   */
  relayCapabilities?: Record<string, unknown>;
  /**
   * Told the principal of each of the session's requests that authenticated (an old-era session
   * keeps the latest, to tell its client of a list change only when that principal's view changed).
   */
  authenticated?(principal: Principal | undefined): void;
}

/** Where a request's upstream log messages go, and from which level (the caller's). */
export interface CallerLogs {
  level: LoggingLevel;
  send(params: Record<string, unknown>): Promise<void>;
}

export interface CallRequest {
  method: ForwardMethod;
  params: Record<string, unknown>;
  session: SessionInfo;
  /** The downstream JSON-RPC id: unique only within its session. */
  requestId: string | number;
  /** The bearer token the transport saw with this request (HTTP header, or WARDEN_TOKEN on stdio). */
  token: string | undefined;
  signal: AbortSignal;
  /** Present when the caller asked for progress; sends to the caller's own progressToken. */
  progress?: (progress: Progress) => Promise<void>;
  /**
   * A 2026-07-28 caller that asked for the log messages of this request (`_meta` logLevel):
   * the level goes to the upstream with the call, and its messages at or above it come back
   * to this caller (gateway/fan-out.ts).
   */
  logs?: CallerLogs;
  /** Set on the steps of a composite tool: policies see it as input.workflow, audit rows record it. */
  workflow?: { name: string; step: string };
  /** A per-step timeout of a composite, shorter than the upstream's own. */
  timeoutMs?: number;
  /** W3C trace context the transport carried (HTTP headers); one in `params._meta` is read by the pipeline. */
  trace?: TraceCarrier;
}

export interface Authenticated extends CallRequest {
  principal: Principal | undefined;
  startedAt: number;
}

/** What the request addresses, in catalog terms, and the request the upstream will see. */
export type Target =
  | { kind: 'tool'; entry: NamedEntry; pin?: PinStatus }
  | { kind: 'prompt'; entry: NamedEntry; pin?: PinStatus }
  | { kind: 'resource'; uri: string; upstream: string };

export interface Resolved extends Authenticated {
  target: Target;
  upstream: string;
  upstreamParams: Record<string, unknown>;
  /** The MCP revision the upstream is spoken to in (its era), when it is connected. */
  upstreamProtocolVersion?: string;
  /** A retry after input_required: the decision id of the request it continues (continuation.ts). */
  continues?: string;
  /** A retry that continues an old-era upstream's call parked for the caller's answers (pending-input.ts). */
  resumes?: { id: string; instance: string };
  /** A retry that brings back an approval the gateway asked for, or one given earlier in the exchange (stage approve). */
  sealedApproval?: SealedApproval;
}

export interface Authorized extends Resolved {
  decision: Decision;
  /** Set when the policy required an approval and it was given (stage approve): its decision row keeps it. */
  approval?: ApprovalRecordOfCall;
}

declare const recorded: unique symbol;

/** Only audit-decision creates this: the decision row is committed. */
export interface Recorded extends Authorized {
  readonly [recorded]: true;
}

export interface Forwarded extends Recorded {
  result: Result;
  upstreamMs: number;
  /**
   * The questions (`inputRequests`) of a new-era upstream's input_required, not yet put to the
   * policy: each is decided and recorded like a server->client request before the caller sees it.
   */
  questions?: Record<string, unknown>;
}
