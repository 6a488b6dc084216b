-- A counter of operators' decisions on pinned definitions: moved by a trigger whenever a pin's
-- approval or revocation is written (warden tools approve|revoke, or any other writer), in the
-- same transaction. Each replica reads this one row every integrity.poll_interval_ms and reads
-- the decisions only when it moved: reading every pin each second kept a core busy for good
-- with 150,000 pins.
CREATE TABLE tool_pin_decisions (
  id       integer PRIMARY KEY CHECK (id = 1),
  version  bigint NOT NULL
);
INSERT INTO tool_pin_decisions (id, version) VALUES (1, 0);
CREATE FUNCTION tool_pins_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tool_pin_decisions SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER tool_pins_decided AFTER UPDATE OF approved_digest, decided_at ON tool_pins
  FOR EACH ROW EXECUTE FUNCTION tool_pins_decided();
