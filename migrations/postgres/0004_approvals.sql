-- Calls waiting for an operator's approval, as migrations/sqlite/0006: shared by every replica,
-- so `warden approvals` sees the calls waiting on any of them.
CREATE TABLE approvals (
  id                text PRIMARY KEY,
  created_at        text NOT NULL,
  expires_at        text NOT NULL,
  sub               text,
  method            text NOT NULL,
  public_name       text NOT NULL,
  upstream          text NOT NULL,
  upstream_name     text,
  arguments         text NOT NULL,
  reason            text NOT NULL,
  arguments_sha256  text NOT NULL,
  tool_digest       text NOT NULL,
  policy_revision   text NOT NULL,
  status            text NOT NULL,
  decided_by        text,
  decided_at        text,
  note              text
);
CREATE INDEX approvals_pending ON approvals (status, created_at);
