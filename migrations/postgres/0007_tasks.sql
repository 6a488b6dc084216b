-- Tasks an upstream created for a caller, as migrations/sqlite/0010: shared by every replica, so
-- a task started through one is read or updated through any, by its owner only.
CREATE TABLE tasks (
  id                text PRIMARY KEY,
  upstream          text NOT NULL,
  upstream_task_id  text NOT NULL,
  owner             text NOT NULL,
  decision_id       text NOT NULL,
  created_at        text NOT NULL
);
