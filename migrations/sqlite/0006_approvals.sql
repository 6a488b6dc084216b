-- Calls waiting for an operator's approval (issue 15, approvals.mode "operator"): one row per
-- call, by its decision id. The binding (`arguments_sha256`, `tool_digest`, `policy_revision`)
-- is what an approval is for: `warden approvals approve` decides only a row whose binding is
-- still the one it showed, and the gateway forwards only if the call still has that binding.
-- `arguments` is redacted as in the audit trail. `status`: pending, approved, denied, expired,
-- cancelled. Mutable state shared by the gateway and the CLI; the decision row of the call (in
-- the hash chain) records the outcome, the approver and the binding.
CREATE TABLE approvals (
  id                TEXT PRIMARY KEY,
  created_at        TEXT NOT NULL,
  expires_at        TEXT NOT NULL,
  sub               TEXT,
  method            TEXT NOT NULL,
  public_name       TEXT NOT NULL,
  upstream          TEXT NOT NULL,
  upstream_name     TEXT,
  arguments         TEXT NOT NULL,
  reason            TEXT NOT NULL,
  arguments_sha256  TEXT NOT NULL,
  tool_digest       TEXT NOT NULL,
  policy_revision   TEXT NOT NULL,
  status            TEXT NOT NULL,
  decided_by        TEXT,
  decided_at        TEXT,
  note              TEXT
);
CREATE INDEX approvals_pending ON approvals (status, created_at);
