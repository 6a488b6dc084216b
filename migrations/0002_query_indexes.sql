-- Indexes for `warden audit query`: time range, principal, public name, decision, upstream.
-- Partial on decisions because queries and stats read decisions; outcomes are joined by id.
CREATE INDEX events_decision_time ON events (time) WHERE kind = 'decision';
CREATE INDEX events_decision_sub ON events (sub, time) WHERE kind = 'decision';
CREATE INDEX events_decision_tool ON events (public_name, time) WHERE kind = 'decision';
CREATE INDEX events_decision_verdict ON events (decision, time) WHERE kind = 'decision';
CREATE INDEX events_decision_upstream ON events (upstream, time) WHERE kind = 'decision';
CREATE INDEX events_outcome_decision ON events (decision_id) WHERE kind = 'outcome';
-- Lets the store find the last startup (crash recovery) without scanning the log.
CREATE INDEX events_startup ON events (seq) WHERE kind = 'startup';
