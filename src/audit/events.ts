import { WardenError } from '../errors.ts';
import { type EventFields, type EventKind, canonicalJson, sha256Hex } from './chain.ts';
import type { Redactor } from './redact.ts';
import type { ApprovalRecordOfCall, DecisionEvent, LifecycleEvent, OutcomeEvent, ShownEvent } from './sink.ts';
import { namesDigest } from './shown.ts';

/**
 * Turns the pipeline's events into rows. The only place that knows which field goes to a column
 * (queried, indexed) and which to `data`; everything written passes the redactor first.
 */
export interface AuthnFailureAggregate {
  source: string;
  reason: string;
  count: number;
  first: string;
  last: string;
  tokenIds: string[];
}

export interface EventEncoder {
  decision(event: DecisionEvent): EventFields;
  outcome(event: OutcomeEvent): EventFields;
  /** The names go to `shown_names` (shown.ts); the row holds their count and digest. */
  shown(event: ShownEvent, digest: string): EventFields;
  authnFailure(aggregate: AuthnFailureAggregate): EventFields;
  lifecycle(event: LifecycleEvent): EventFields;
  other(kind: EventKind, time: Date, data: Record<string, unknown>): EventFields;
}

/** What `Date.prototype.toISOString` writes for the years 0000-9999. */
const ISO_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * Times are stored as UTC ISO strings with milliseconds, so text order is time order. The
 * pipeline's events carry that form already (toISOString of its clock): taken as it is, not
 * parsed and written again (~1% of the gateway's CPU per call at 32 in flight, profile
 * 2026-12-07); anything else is parsed, and refused when it is no date.
 */
function isoTime(time: string | Date): string {
  if (typeof time === 'string' && ISO_TIME.test(time)) return time;
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new WardenError('INTERNAL', `audit event time is not a date: ${String(time)}`);
  return date.toISOString();
}

/** A UTF-16 code unit of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const EVERY_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Column values as the database stores them. A lone surrogate (a client's id or tool name may be
 * `"\ud800"` in JSON) has no UTF-8 form: SQLite and PostgreSQL store U+FFFD for it, so the row
 * stored differed from the row hashed and `audit verify` called the row edited. Columns hold
 * U+FFFD there before they are hashed; `data` keeps the exact text (JSON escapes it).
 */
function storable(columns: Partial<EventFields>): Partial<EventFields> {
  let copy: Record<string, unknown> | undefined;
  for (const key in columns) {
    const value = columns[key as keyof EventFields];
    if (typeof value !== 'string' || !LONE_SURROGATE.test(value)) continue;
    copy ??= { ...columns };
    copy[key] = value.replace(EVERY_LONE_SURROGATE, '\ufffd');
  }
  return (copy ?? columns) as Partial<EventFields>;
}

function row(kind: EventKind, time: string | Date, data: Record<string, unknown>, columns: Partial<EventFields> = {}): EventFields {
  return {
    kind,
    time: isoTime(time),
    request_id: null,
    session_id: null,
    sub: null,
    iss: null,
    method: null,
    public_name: null,
    upstream: null,
    upstream_name: null,
    decision: null,
    decision_id: null,
    outcome: null,
    code: null,
    ...storable(columns),
    data: canonicalJson(data),
  };
}

function withoutArguments(input: Record<string, unknown>): Record<string, unknown> {
  const { arguments: _arguments, ...rest } = input;
  return rest;
}

function approvalData(approval: ApprovalRecordOfCall, text: (value: string | undefined) => string | null): Record<string, unknown> {
  const { binding } = approval;
  return {
    required: true,
    reason: text(approval.reason),
    mode: approval.mode,
    result: approval.result,
    by: text(approval.by),
    binding: { arguments_sha256: binding.argumentsSha256, tool_digest: binding.toolDigest, policy_revision: binding.policyRevision },
  };
}

export function createEventEncoder(redactor: Redactor): EventEncoder {
  const text = (value: string | undefined): string | null => (value === undefined ? null : redactor.redactText(value));

  return {
    decision(event) {
      const hasArguments = event.arguments !== undefined;
      return row(
        'decision',
        event.time,
        {
          reasons: event.reasons.map(redactor.redactText),
          policy_revision: event.policyRevision,
          token_id: event.tokenId ?? null,
          workflow: event.workflow ?? null,
          protocol_version: event.protocolVersion ?? null,
          upstream_protocol_version: event.upstreamProtocolVersion ?? null,
          // Only on a retry after input_required: the first decision of the exchange.
          ...(event.continues === undefined ? {} : { continues_decision: event.continues }),
          arguments: hasArguments ? redactor.redactCanonical(event.arguments) : null,
          // Of the original, unredacted arguments: proves what was sent without storing it.
          arguments_sha256: hasArguments ? sha256Hex(canonicalJson(event.arguments)) : null,
          // What the policy decided on, without its arguments (stored once, above): explain and
          // replay put the two together again (audit/sqlite/decision-reader.ts).
          input: event.input === undefined ? null : redactor.redactCanonical(withoutArguments(event.input)),
          // Written only when the policy required one, so rows of other calls stay as they were.
          ...(event.approval === undefined ? {} : { approval: approvalData(event.approval, text) }),
        },
        {
          request_id: event.requestId,
          session_id: event.sessionId,
          sub: text(event.principal?.sub),
          iss: text(event.principal?.iss),
          method: event.method,
          public_name: event.publicName ?? null,
          upstream: event.upstream ?? null,
          upstream_name: event.upstreamName ?? null,
          decision: event.decision,
          decision_id: event.decisionId,
          code: event.code ?? null,
        },
      );
    },

    outcome(event) {
      return row(
        'outcome',
        event.time,
        { duration_ms: event.durationMs, upstream_ms: event.upstreamMs ?? null },
        {
          request_id: event.requestId,
          session_id: event.sessionId,
          decision_id: event.decisionId,
          outcome: event.outcome,
          code: text(event.errorCode),
        },
      );
    },

    shown(event, digest) {
      return row(
        'shown',
        event.time,
        { count: event.names.length, names_sha256: digest, cursor: event.cursor ?? null, next_cursor: event.nextCursor ?? null, protocol_version: event.protocolVersion ?? null },
        { request_id: event.requestId, session_id: event.sessionId, sub: text(event.principal?.sub), iss: text(event.principal?.iss), method: event.method },
      );
    },

    authnFailure(aggregate) {
      return row(
        'authn_failure',
        aggregate.last,
        { source: text(aggregate.source), count: aggregate.count, first: aggregate.first, last: aggregate.last, token_ids: aggregate.tokenIds },
        { code: text(aggregate.reason) },
      );
    },

    lifecycle(event) {
      if (event.kind === 'config_loaded') return row(event.kind, event.time, { file: text(event.file), sha256: event.sha256 });
      if (event.kind === 'config_reload') {
        return row(event.kind, event.time, {
          file: text(event.file),
          ok: event.ok,
          sha256: event.sha256 ?? null,
          changed: event.changed ?? [],
          restart_needed: event.restartNeeded ?? [],
          error: text(event.error),
        });
      }
      if (event.kind === 'shadow_disagreement') {
        return row(
          event.kind,
          event.time,
          { live: event.live, shadow_reasons: event.shadowReasons.map(redactor.redactText), live_revision: event.liveRevision, shadow_revision: event.shadowRevision },
          {
            request_id: event.requestId,
            sub: text(event.sub),
            method: event.method,
            public_name: event.publicName ?? null,
            upstream: event.upstream ?? null,
            // The shadow's verdict; the live one is the decision row with this decision id.
            decision: event.shadow,
            decision_id: event.decisionId,
            code: event.shadowCode ?? null,
          },
        );
      }
      if (event.kind === 'tool_pin') {
        return row(
          event.kind,
          event.time,
          {
            action: event.action, item: event.item, digest: event.digest, previous_digest: event.previousDigest ?? null, status: event.status,
            flags: event.flags, by: text(event.by), note: text(event.note),
          },
          { upstream: event.upstream, upstream_name: event.name },
        );
      }
      return row(event.kind, event.time, {
        revision: event.revision,
        previous_revision: event.previousRevision ?? null,
        ok: event.ok,
        error: text(event.error),
      });
    },

    other(kind, time, data) {
      return row(kind, time, data);
    },
  };
}
