-- Pinned tool and prompt definitions (issue 15, src/integrity/): one row per item of an
-- upstream, by its original name. `seen_*` is the definition the gateway saw last (canonical
-- JSON of the pinned fields, its SHA-256, what screening found); `approved_*` the definition an
-- operator approved, or that was trusted on first sight. The item is approved while the two
-- digests are equal. `decided_*` and `note` say who made the last approval or revocation.
-- Mutable state shared by the gateway and `warden tools approve|revoke`; every change the
-- gateway makes or applies is also a `tool_pin` row of the hash chain.
CREATE TABLE tool_pins (
  kind                 TEXT NOT NULL,
  upstream             TEXT NOT NULL,
  name                 TEXT NOT NULL,
  seen_digest          TEXT NOT NULL,
  seen_definition      TEXT NOT NULL,
  seen_flags           TEXT NOT NULL,
  seen_at              TEXT NOT NULL,
  approved_digest      TEXT,
  approved_definition  TEXT,
  decided_by           TEXT,
  decided_at           TEXT,
  note                 TEXT,
  PRIMARY KEY (kind, upstream, name)
);
