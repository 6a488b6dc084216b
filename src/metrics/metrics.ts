import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from './bound-series.ts';

/**
 * The gateway's Prometheus instruments, one registry per process (like the one logger). Every
 * module may record here; `GET /metrics` (downstream/metrics-endpoint.ts) renders it. Names and
 * units follow Prometheus conventions: base units (`_seconds`, `_bytes`), `_total` for counters.
 *
 * Labels are bounded sets chosen by the gateway (stage names, error codes, configured upstream
 * names, the method families it serves): never a principal, an argument value or a tool name a
 * client typed. `bounded()` enforces that at the door, whatever a caller passes.
 *
 * Recording is off until `setMetricsEnabled(true)` (the config switch): when off, every recording
 * call returns at its first line, so a gateway without metrics pays one branch per call site.
 */
export const registry = new Registry();

let enabled = false;
let processMetrics = false;
export function setMetricsEnabled(on: boolean): void {
  enabled = on;
  // The client's standard process and Node series (process_resident_memory_bytes,
  // process_open_fds, nodejs_heap_size_used_bytes, event loop lag, ...), read at scrape time.
  if (on && !processMetrics) {
    processMetrics = true;
    collectDefaultMetrics({ register: registry });
  }
}

/** Sub-millisecond stages (a cached token, a Rego rule) up to a slow upstream's minute. */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const MAX_VALUES_PER_LABEL = 64;
const LABEL_VALUE = /^[A-Za-z0-9_./:-]{1,64}$/;
const seen = new Map<string, Set<string>>();

/**
 * A label value as recorded: one of at most 64 distinct values per label name, of a plain shape,
 * else `other`. A bug or a hostile upstream (server->client request methods are its choice) can
 * therefore never grow the series count without bound.
 */
export function bounded(label: string, value: string): string {
  let values = seen.get(label);
  if (values === undefined) seen.set(label, (values = new Set()));
  if (values.has(value)) return value;
  if (!LABEL_VALUE.test(value) || values.size >= MAX_VALUES_PER_LABEL) return 'other';
  values.add(value);
  return value;
}

// The four recorded on every call are bound series (bound-series.ts): prom-client's own cost
// ~240 ns per record, nine records per call.
const requests = new BoundCounter(
  'warden_requests_total',
  'Requests answered by the pipeline, by method, decision (allow, deny, none = refused before a decision) and code (OK or the stable error code).',
  ['method', 'decision', 'code'] as const,
  registry,
);
const requestSeconds = new BoundHistogram('warden_request_duration_seconds', 'End-to-end time of a request in the pipeline, from authentication to the answer.', ['method'] as const, LATENCY_BUCKETS, registry);
const stageSeconds = new BoundHistogram(
  'warden_stage_duration_seconds',
  'Time spent in one pipeline stage (authenticate, resolve, authorize, approve, limit, audit-decision, forward).',
  ['stage'] as const,
  LATENCY_BUCKETS,
  registry,
);
const upstreamSeconds = new BoundHistogram(
  'warden_upstream_request_duration_seconds',
  'Time from sending a request to an upstream to its answer, by upstream and outcome (ok, error).',
  ['upstream', 'outcome'] as const,
  LATENCY_BUCKETS,
  registry,
);
const upstreamReconnects = new Counter({
  name: 'warden_upstream_reconnects_total',
  help: 'Reconnections scheduled after an upstream connection failed or was lost.',
  labelNames: ['upstream'] as const,
  registers: [registry],
});
const auditCommitSeconds = new Histogram({
  name: 'warden_audit_commit_duration_seconds',
  help: 'Time of one audit group commit (one transaction holding a batch of rows).',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const auditRows = new Counter({ name: 'warden_audit_rows_written_total', help: 'Audit rows committed.', registers: [registry] });
const auditFailures = new Counter({
  name: 'warden_audit_write_failures_total',
  help: 'Audit rows whose commit failed (each such decision was refused: fail closed).',
  registers: [registry],
});
const policyEvaluations = new Counter({
  name: 'warden_policy_evaluations_total',
  help: 'Policy evaluations, by result (allow, deny, error = failed or over budget, denied).',
  labelNames: ['result'] as const,
  registers: [registry],
});
const policyReloads = new Counter({
  name: 'warden_policy_reloads_total',
  help: 'Policy set reloads, by result (ok, failed: the last good set stayed).',
  labelNames: ['result'] as const,
  registers: [registry],
});
const configReloads = new Counter({
  name: 'warden_config_reloads_total',
  help: 'Whole-config reloads, by result (ok, failed: the last good config stayed).',
  labelNames: ['result'] as const,
  registers: [registry],
});
const limitRefusals = new Counter({
  name: 'warden_limit_refusals_total',
  help: 'Requests refused by a limit, by kind (rate, concurrency, sessions, result_size, timeout) and scope (principal, role, tool, upstream, total).',
  labelNames: ['kind', 'scope'] as const,
  registers: [registry],
});
const circuitTransitions = new Counter({
  name: 'warden_circuit_transitions_total',
  help: 'Circuit breaker state changes, by upstream and the state entered (open, half_open, closed).',
  labelNames: ['upstream', 'state'] as const,
  registers: [registry],
});

/**
 * Values read at scrape time, not kept up to date on the call path: upstream states, sessions,
 * audit queue depth, policy revision, breaker states. Each source is registered once by its owner
 * and may be replaced (a config reload builds new parts).
 */
interface ScrapeSources {
  upstreams?: () => ReadonlyArray<{ name: string; state: string }>;
  sessions?: () => ReadonlyArray<{ era: string; open: number }>;
  policyRevision?: () => string;
  circuits?: () => ReadonlyArray<{ upstream: string; state: 'closed' | 'open' | 'half_open' }>;
}
const sources: ScrapeSources = {};
export function setScrapeSources(update: ScrapeSources): void {
  Object.assign(sources, update);
}

/** Kept whether metrics are on or off (an addition per row): a gauge switched on mid-run must not start below zero. */
let auditQueueDepth = 0;

const UPSTREAM_STATES = ['connecting', 'ready', 'waiting', 'closed'] as const;
new Gauge({
  name: 'warden_upstream_state',
  help: 'Connection state of each configured upstream: 1 for the state it is in, 0 for the others.',
  labelNames: ['upstream', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { name, state } of sources.upstreams?.() ?? []) {
      for (const s of UPSTREAM_STATES) this.set({ upstream: name, state: s }, s === state ? 1 : 0);
    }
  },
});
new Gauge({
  name: 'warden_sessions_open',
  help: 'Client sessions open, by protocol era (legacy = 2025-11-25 sessions, modern = 2026-07-28 requests in flight).',
  labelNames: ['era'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { era, open } of sources.sessions?.() ?? []) this.set({ era }, open);
  },
});
new Gauge({
  name: 'warden_audit_queue_depth',
  help: 'Audit rows submitted and waiting for their commit.',
  registers: [registry],
  collect() {
    this.set(auditQueueDepth);
  },
});
new Gauge({
  name: 'warden_policy_revision_info',
  help: 'The policy revision in force (hash of the loaded set), as a label; the value is always 1.',
  labelNames: ['revision'] as const,
  registers: [registry],
  collect() {
    this.reset();
    const revision = sources.policyRevision?.();
    if (revision !== undefined) this.set({ revision }, 1);
  },
});
const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
new Gauge({
  name: 'warden_circuit_state',
  help: 'Circuit breaker state per upstream: 1 for the state it is in, 0 for the others.',
  labelNames: ['upstream', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { upstream, state } of sources.circuits?.() ?? []) {
      for (const s of CIRCUIT_STATES) this.set({ upstream, state: s }, s === state ? 1 : 0);
    }
  },
});

/** The recording calls. Each returns at once while metrics are off. */
export const metrics = {
  request(method: string, decision: 'allow' | 'deny' | 'none', code: string, seconds: number): void {
    if (!enabled) return;
    const m = bounded('method', method);
    requests.series(m, decision, bounded('code', code)).inc();
    requestSeconds.series(m).observe(seconds);
  },
  stage(stage: string, seconds: number): void {
    if (enabled) stageSeconds.series(bounded('stage', stage)).observe(seconds);
  },
  upstreamCall(upstream: string, ok: boolean, seconds: number): void {
    if (enabled) upstreamSeconds.series(bounded('upstream', upstream), ok ? 'ok' : 'error').observe(seconds);
  },
  upstreamReconnect(upstream: string): void {
    if (enabled) upstreamReconnects.inc({ upstream: bounded('upstream', upstream) });
  },
  /** Rows submitted (+n) or settled (-n): the queue depth gauge reads the sum. */
  auditQueued(delta: number): void {
    auditQueueDepth += delta;
  },
  auditCommit(rows: number, ok: boolean, seconds: number): void {
    if (!enabled) return;
    auditCommitSeconds.observe(seconds);
    if (ok) auditRows.inc(rows);
    else auditFailures.inc(rows);
  },
  policyEvaluation(result: 'allow' | 'deny' | 'error'): void {
    if (enabled) policyEvaluations.inc({ result });
  },
  policyReload(ok: boolean): void {
    if (enabled) policyReloads.inc({ result: ok ? 'ok' : 'failed' });
  },
  configReload(ok: boolean): void {
    if (enabled) configReloads.inc({ result: ok ? 'ok' : 'failed' });
  },
  /** For limits: a request refused by a rate limit, a concurrency or session cap, a size cap or a timeout. */
  limitRefused(kind: 'rate' | 'concurrency' | 'sessions' | 'result_size' | 'timeout', scope: 'rule' | 'principal' | 'role' | 'tool' | 'upstream' | 'total'): void {
    if (enabled) limitRefusals.inc({ kind, scope });
  },
  /** For the circuit breaker: a state change of one upstream's breaker (its current state is a scrape source). */
  circuitTransition(upstream: string, state: 'closed' | 'open' | 'half_open'): void {
    if (enabled) circuitTransitions.inc({ upstream: bounded('upstream', upstream), state });
  },
};
