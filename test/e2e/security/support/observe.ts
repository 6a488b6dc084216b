/**
 * What reached the upstreams and the audit trail, so every refusal can also assert that nothing
 * was forwarded: tools/call counts of all three kitchen-sinks plus every forwarded request the
 * HTTP/SSE upstreams received (resources/read, prompts/get, ... are invisible to the counter).
 */
import { expect } from 'vitest';
import { auditRows } from './audit.ts';
import type { World } from './world.ts';

const FORWARDED = new Set(['tools/call', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'prompts/get', 'completion/complete']);

export interface Seen {
  calls: number;
  forwarded: string[];
  decisions: number;
}

export function seen(world: World): Seen {
  const rows = auditRows(world.dir.audit);
  return {
    calls: world.upstreams.totalCalls(),
    forwarded: [...world.upstreams.proxies.http.methods(), ...world.upstreams.proxies.sse.methods()].filter((m) => FORWARDED.has(m)),
    decisions: rows.filter((r) => r.kind === 'decision').length,
  };
}

/**
 * No upstream received anything since `before`, and exactly `decisions` new decision rows were
 * written (0 for refusals before the policy; outcome rows are checked per decision id, since an
 * earlier allowed call's outcome row may still be committing).
 */
export function expectNothingForwarded(world: World, before: Seen, decisions = 0): void {
  const now = seen(world);
  expect(now.calls, 'tools/call requests that reached an upstream').toBe(before.calls);
  expect(now.forwarded, 'requests the HTTP/SSE upstreams received').toEqual(before.forwarded);
  expect(now.decisions - before.decisions, 'new decision rows').toBe(decisions);
}
