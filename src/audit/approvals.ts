import type { PinSql } from './pins.ts';

/**
 * The `approvals` table (migrations/sqlite/0006, postgres/0004): calls waiting for an operator
 * (approvals.mode "operator"), written by the gateway, decided by `warden approvals`, over
 * either backend through the same `?`-placeholder statements as the pins.
 */
export interface ApprovalBinding {
  /** SHA-256 of the canonical JSON of the arguments as forwarded (the decision row's `arguments_sha256`). */
  argumentsSha256: string;
  /** The pinned definition's digest, or `none` for an item that is not pinned (composites, integrity off). */
  toolDigest: string;
  policyRevision: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

export interface PendingApproval {
  id: string;
  createdAt: string;
  expiresAt: string;
  sub: string | null;
  method: string;
  publicName: string;
  upstream: string;
  upstreamName: string | null;
  /** Redacted as in the audit trail. */
  arguments: unknown;
  reason: string;
  binding: ApprovalBinding;
}

export interface ApprovalRecord extends PendingApproval {
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

export interface ApprovalStore {
  request(pending: PendingApproval): Promise<void>;
  read(id: string): Promise<ApprovalRecord | undefined>;
  /** Pending rows not expired at `now`, oldest first. */
  pending(now: string): Promise<ApprovalRecord[]>;
  /**
   * Decides a pending, unexpired row whose binding is exactly `binding` (what the approver was
   * shown); false when it is decided already, expired, or bound to anything else.
   */
  decide(id: string, binding: ApprovalBinding, status: 'approved' | 'denied', by: string, at: string, note?: string): Promise<boolean>;
  /** The gateway gives up on a pending row (timeout, cancelled call); false when it was decided meanwhile. */
  close(id: string, status: 'expired' | 'cancelled', at: string): Promise<boolean>;
}

const COLUMNS =
  'id, created_at, expires_at, sub, method, public_name, upstream, upstream_name, arguments, reason, arguments_sha256, tool_digest, policy_revision, status, decided_by, decided_at, note';
const BOUND = 'arguments_sha256 = ? AND tool_digest = ? AND policy_revision = ?';

const bindingParams = (b: ApprovalBinding): unknown[] => [b.argumentsSha256, b.toolDigest, b.policyRevision];

function toRecord(row: Record<string, unknown>): ApprovalRecord {
  return {
    id: row.id as string,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string,
    sub: (row.sub as string | null) ?? null,
    method: row.method as string,
    publicName: row.public_name as string,
    upstream: row.upstream as string,
    upstreamName: (row.upstream_name as string | null) ?? null,
    arguments: JSON.parse(row.arguments as string) as unknown,
    reason: row.reason as string,
    binding: { argumentsSha256: row.arguments_sha256 as string, toolDigest: row.tool_digest as string, policyRevision: row.policy_revision as string },
    status: row.status as ApprovalStatus,
    decidedBy: (row.decided_by as string | null) ?? null,
    decidedAt: (row.decided_at as string | null) ?? null,
    note: (row.note as string | null) ?? null,
  };
}

export function approvalStore(sql: PinSql): ApprovalStore {
  return {
    async request(p) {
      await sql.run(`INSERT INTO approvals (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, NULL)`, [
        p.id, p.createdAt, p.expiresAt, p.sub, p.method, p.publicName, p.upstream, p.upstreamName, JSON.stringify(p.arguments ?? null), p.reason, ...bindingParams(p.binding),
      ]);
    },
    async read(id) {
      const { rows } = await sql.run(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`, [id]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async pending(now) {
      const { rows } = await sql.run(`SELECT ${COLUMNS} FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY created_at, id`, [now]);
      return rows.map(toRecord);
    },
    async decide(id, binding, status, by, at, note) {
      const { changes } = await sql.run(
        `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'pending' AND expires_at > ? AND ${BOUND}`,
        [status, by, at, note ?? null, id, at, ...bindingParams(binding)],
      );
      return changes > 0;
    },
    async close(id, status, at) {
      const { changes } = await sql.run(`UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'`, [status, at, id]);
      return changes > 0;
    },
  };
}
