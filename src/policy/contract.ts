/**
 * The policy seam. Backends (our Rego engine, opa-wasm) implement PolicyEngine; the pipeline's
 * authorize stage builds one PolicyInput per decision (docs/architecture.md, "the policy input
 * document") and forwards only when `allow` is exactly true.
 */
import type { Principal } from '../auth/index.ts';

/** The principal as policies see it (`input.principal`): the verified identity, without the token's bookkeeping. */
export type PolicyPrincipal = Pick<Principal, 'sub' | 'iss' | 'aud' | 'scopes' | 'roles' | 'claims'>;

export interface PolicyInput {
  method: string;
  principal?: PolicyPrincipal;
  /** `digest`, `approved`: the pinned definition (issue 15); absent for composite tools and when `integrity.mode` is off. */
  tool?: { name: string; server: string; upstream_name: string; annotations?: Record<string, unknown>; digest?: string; approved?: boolean };
  arguments?: Record<string, unknown>;
  resource?: { uri: string; server: string };
  prompt?: { name: string; server: string; digest?: string; approved?: boolean };
  workflow?: { name: string; step: string };
  /** Server->client requests (sampling, elicitation, roots): the upstream that asks. */
  upstream?: { name: string };
  /** Server->client requests: the caller's call that caused it, in the shape of its own input. */
  call?: { method: string; tool?: PolicyInput['tool']; resource?: PolicyInput['resource']; prompt?: PolicyInput['prompt']; decision_id: string };
  /**
   * Server->client requests: the params exactly as they are relayed to the client. Task requests
   * (`tasks/get`, `tasks/update`, `tasks/cancel`): the params exactly as they go to the upstream.
   */
  params?: Record<string, unknown>;
  /**
   * Task requests (the tasks extension): the task by the gateway's id, its upstream (`server`)
   * and the upstream's own id. Only the principal that started it gets this far (others: not found).
   */
  task?: { id: string; server: string; upstream_id: string };
  /**
   * `approvals/decide` (issue 15): the waiting call an operator decides (its method, tool and
   * decision id are in `call`, its redacted arguments in `arguments`); `caller` is its sub.
   */
  approval?: { id: string; reason: string; caller?: string };
  /** `console/read` (issue 16): the console page asked for (decisions, decision, overview, catalog). */
  console?: { page: string };
  /** `protocol_version`: the MCP revision the client speaks, so a policy can refuse old clients. */
  request: { id: string; session: string; transport: 'stdio' | 'http'; protocol_version: string; remote_addr?: string };
  now: string;
}

export type DecisionCode = 'POLICY_DENIED' | 'POLICY_UNDEFINED' | 'POLICY_ERROR';

/**
 * The policy allowed the call only with a person's approval (issue 15): `{"allow": true,
 * "approval": {"required": true, "reason": "..."}}`. Present only on an allowed decision that
 * requires one; the pipeline asks (approvals.mode) before anything is forwarded.
 */
export interface ApprovalRequirement {
  required: true;
  reason: string;
}

export interface Decision {
  allow: boolean;
  approval?: ApprovalRequirement;
  /** Why: returned to the caller on denial and stored in the audit row. */
  reasons: string[];
  /** Set whenever allow is false. */
  code?: DecisionCode;
  /** Unique per decision; ties the audit rows and the caller's error together. */
  decisionId: string;
  /** Hash of the loaded policy set that decided. */
  revision: string;
  /**
   * The document the decision was made on: the audit row keeps it (redacted), so `warden policy
   * explain` and `replay` can evaluate it again.
   */
  input?: PolicyInput;
}

export interface PolicyEngine {
  readonly name: string;
  readonly revision: string;
  /** Never throws: an evaluation error or budget overrun is a denial with code POLICY_ERROR. */
  evaluate(input: PolicyInput): Promise<Decision>;
  close(): Promise<void>;
}
