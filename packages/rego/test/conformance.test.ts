/**
 * OPA's conformance suite, in-process, against the checked-in list of known failures: a new
 * failure fails the test, and so does a listed case that now passes (remove it from the list, or
 * regenerate with `npm run conformance -w @mcp-warden/rego -- --write-known-failures`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUITE, KNOWN_FAILURES } from '../conformance/run.ts';
import { loadCases } from '../conformance/load.ts';
import { parseKnownFailures, runCases, summarise } from '../conformance/suite.ts';

describe('rego conformance (OPA v1 cases)', () => {
  const outcomes = runCases(loadCases([DEFAULT_SUITE], DEFAULT_SUITE));
  const known = parseKnownFailures(readFileSync(KNOWN_FAILURES, 'utf8'));
  const failing = outcomes.filter((o) => o.verdict.status === 'fail').map((o) => o.case.id);

  it('has no failures beyond the known ones', () => {
    const fresh = outcomes.filter((o) => o.verdict.status === 'fail' && !known.has(o.case.id));
    expect(fresh.map((o) => `${o.case.id} ${o.case.note}: ${o.verdict.status === 'fail' ? o.verdict.reason : ''}`)).toEqual([]);
  });

  it('lists no known failure that now passes', () => {
    const failingSet = new Set(failing);
    expect([...known.keys()].filter((id) => !failingSet.has(id))).toEqual([]);
  });

  it('passes at least 90% of the cases', () => {
    const { total } = summarise(outcomes);
    expect(total.passed / outcomes.length).toBeGreaterThanOrEqual(0.9);
  });
});
