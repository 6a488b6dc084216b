/**
 * Small in-test implementations of the pipeline's seams (Authenticator, PolicyEngine, AuditSink),
 * real enough to assert order and fail-closed behaviour without the real engines.
 */
import { randomUUID } from 'node:crypto';
import type { DecisionEvent, OutcomeEvent, AuditSink, ShownEvent } from '../../src/audit/sink.ts';
import type { Authenticator, Principal } from '../../src/auth/principal.ts';
import { WardenError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { Decision, PolicyEngine, PolicyInput } from '../../src/policy/contract.ts';

export function principal(sub: string, scopes: string[] = []): Principal {
  return { sub, iss: 'https://test.invalid', aud: ['mcp-warden'], scopes, roles: [], claims: { sub }, expiresAt: 4102444800, tokenId: `t-${sub}` };
}

/**
 * Accepts `token-<sub>` or `token-<sub>~scope,scope` bearer tokens; a missing token is
 * AUTH_TOKEN_MISSING; `explode` throws a TypeError.
 */
export class TestTokenAuthenticator implements Authenticator {
  readonly mode = 'jwt' as const;
  async authenticate(token: string | undefined): Promise<Principal> {
    if (token === undefined) throw new WardenError('AUTH_TOKEN_MISSING', 'No bearer token');
    if (token === 'explode') throw new TypeError('key source exploded');
    if (!token.startsWith('token-')) throw new WardenError('AUTH_TOKEN_INVALID', 'Token is not valid');
    const [sub, scopes] = token.slice('token-'.length).split('~');
    return principal(sub!, scopes === undefined ? [] : scopes.split(','));
  }
  async close(): Promise<void> {}
}

/**
 * Allows what `rule` returns true for. Tool names are public names; list visibility arrives
 * with the list method. `throwOn` makes evaluation throw (a broken engine, to test fail closed).
 */
export class TestPolicyEngine implements PolicyEngine {
  readonly name = 'test';
  readonly revision = 'test-rev-1';
  readonly inputs: PolicyInput[] = [];
  #n = 0;
  constructor(private readonly rule: (input: PolicyInput) => boolean | 'throw', private readonly reasons: string[] = ['not on the allow list']) {}

  async evaluate(input: PolicyInput): Promise<Decision> {
    this.inputs.push(input);
    const verdict = this.rule(input);
    if (verdict === 'throw') throw new Error('engine bug');
    const decisionId = `d-${++this.#n}`;
    return verdict ? { allow: true, reasons: [], decisionId, revision: this.revision } : { allow: false, reasons: this.reasons, code: 'POLICY_DENIED', decisionId, revision: this.revision };
  }
  async close(): Promise<void> {}
}

export const allowAll = () => new TestPolicyEngine(() => true);

/**
 * Allows everything; a call of an upstream tool named in `tools` is allowed only with an approval
 * (issue 15). `revision` is writable: a test moves it to stand for a policy change.
 */
export class ApprovalPolicy implements PolicyEngine {
  readonly name = 'test';
  revision = 'rev-1';
  constructor(private readonly tools: readonly string[] = ['echo'], private readonly reason = 'echo needs a yes') {}
  async evaluate(input: PolicyInput): Promise<Decision> {
    const base = { allow: true, reasons: [], decisionId: randomUUID(), revision: this.revision };
    if (input.method !== 'tools/call' || !this.tools.includes(String(input.tool?.upstream_name))) return base;
    return { ...base, approval: { required: true, reason: this.reason } };
  }
  async close(): Promise<void> {}
}

/** Keeps events in order; `failDecisionsFor` makes recordDecision reject for those public names. */
export class MemoryAuditSink implements AuditSink {
  readonly events: Array<{ type: 'decision'; event: DecisionEvent } | { type: 'outcome'; event: OutcomeEvent }> = [];
  constructor(readonly failDecisionsFor: ReadonlySet<string> = new Set()) {}

  async recordDecision(event: DecisionEvent): Promise<void> {
    if (event.publicName !== undefined && this.failDecisionsFor.has(event.publicName)) throw new Error('disk full');
    this.events.push({ type: 'decision', event });
  }
  async recordOutcome(event: OutcomeEvent): Promise<void> {
    this.events.push({ type: 'outcome', event });
  }
  /** List answers, apart from `events` (which tests compare call by call). */
  readonly shown: ShownEvent[] = [];
  async recordShown(event: ShownEvent): Promise<void> {
    this.shown.push(event);
  }
}

/** Tests keep logs out of the test output unless they capture them on purpose. */
export const silentLogger = createLogger('silent');
