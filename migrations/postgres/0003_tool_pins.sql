-- Pinned tool and prompt definitions, as migrations/sqlite/0005: shared by every replica, so a
-- definition approved once is approved fleet-wide, and a change one replica sees quarantines it
-- for all of them once they poll.
CREATE TABLE tool_pins (
  kind                 text NOT NULL,
  upstream             text COLLATE "C" NOT NULL,
  name                 text COLLATE "C" NOT NULL,
  seen_digest          text NOT NULL,
  seen_definition      text NOT NULL,
  seen_flags           text NOT NULL,
  seen_at              text NOT NULL,
  approved_digest      text,
  approved_definition  text,
  decided_by           text,
  decided_at           text,
  note                 text,
  PRIMARY KEY (kind, upstream, name)
);
