-- Placeholder: this version number belongs to the approvals work of issue 15 (branch
-- `approvals`), which lands its own migration here. Versions must run without a gap, so the
-- `proof` branch (shown rows, signed checkpoints) holds the number with this empty file until
-- then; when both branches meet, this file goes and the approvals migration takes its place.
SELECT 1;
