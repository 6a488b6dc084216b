-- Indexes for `warden audit query`: time range, principal, public name, denials, upstream.
-- Partial, so each row maintains only the indexes it can appear in: every index costs write
-- throughput on the request path (bench/audit.bench.ts). Allowed calls are ~all calls, so
-- "--decision allow" walks the time index; denials get their own small index.
CREATE INDEX events_decision_time ON events (time) WHERE kind = 'decision';
CREATE INDEX events_decision_sub ON events (sub, time) WHERE kind = 'decision';
CREATE INDEX events_decision_tool ON events (public_name, time) WHERE kind = 'decision';
CREATE INDEX events_decision_upstream ON events (upstream, time) WHERE kind = 'decision';
CREATE INDEX events_denied_time ON events (time) WHERE kind = 'decision' AND decision = 'deny';
CREATE INDEX events_outcome_decision ON events (decision_id) WHERE kind = 'outcome';
-- Lets the store find the last startup (crash recovery) without scanning the log.
CREATE INDEX events_startup ON events (seq) WHERE kind = 'startup';
