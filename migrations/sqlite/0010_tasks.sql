-- Tasks an upstream created for a caller (the 2026-07-28 tasks extension, SEP-2663; issue 11).
-- The gateway hands the caller an id of its own (`id`, random) for the upstream's task id, so
-- ids of two upstreams never collide, and reads or updates of the task go through only for the
-- principal that started it (`owner`: issuer and subject, '' for an anonymous caller); anyone
-- else is answered as if the task did not exist. `decision_id` is the call that created it.
-- Written before the caller hears of the task; never updated.
CREATE TABLE tasks (
  id                TEXT PRIMARY KEY,
  upstream          TEXT NOT NULL,
  upstream_task_id  TEXT NOT NULL,
  owner             TEXT NOT NULL,
  decision_id       TEXT NOT NULL,
  created_at        TEXT NOT NULL
);
