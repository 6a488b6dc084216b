import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHttp, waitForGatewayTool, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { startFixture, type FixtureTransport } from '../../../testkit/fixtures/spawn.ts';
import { failures, listServerScenarios, runConformance, type ConformanceCheck } from './run-conformance.ts';

/**
 * Checks that are allowed to fail, as `scenario/check-id`, with the reason. The comparison is
 * exact: a new failure fails the test, and so does a listed failure that now passes (remove it).
 * We run `--suite all`, so the pending scenarios (json-schema-2020-12, server-sse-polling) count
 * too; server-sse-polling only reports INFO/WARNING, never FAILURE.
 */
const EXPECTED_FAILURES: Record<'direct' | 'gateway', string[]> = {
  direct: [],
  gateway: [],
};

/** Asserts the exact failure list, showing each unexpected failure's message when it differs. */
function expectFailures(checks: ConformanceCheck[], expected: string[]): void {
  const details = checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.scenario}/${c.id}: ${c.errorMessage ?? ''}`);
  expect(failures(checks), details.join('\n')).toEqual(expected);
}

function expectComplete(checks: ConformanceCheck[], scenarios: string[]): void {
  const seen = new Set(checks.map((check) => check.scenario));
  expect(scenarios.filter((scenario) => !seen.has(scenario)), 'scenarios that produced no checks').toEqual([]);
}

describe('conformance suite', () => {
  let scenarios: string[];
  let direct: ConformanceCheck[];

  beforeAll(async () => {
    scenarios = await listServerScenarios();
    const fixture = await startFixture('conformance-server', 'http');
    try {
      direct = await runConformance(fixture.url!, 'all');
    } finally {
      await fixture.close();
    }
  });

  it('lists the 32 server scenarios of conformance 0.1.16', () => {
    expect(scenarios).toHaveLength(32);
    expect(scenarios).toContain('tools-call-with-progress');
  });

  it('passes every check against the conformance fixture directly', () => {
    expectComplete(direct, scenarios);
    expectFailures(direct, EXPECTED_FAILURES.direct);
    expect(direct.filter((check) => check.status === 'SUCCESS').length).toBeGreaterThanOrEqual(44);
  });

  describe.each<FixtureTransport>(['stdio', 'http', 'sse'])('through the gateway, upstream over %s', (transport) => {
    let dir: string;
    let through: ConformanceCheck[];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'warden-conformance-gw-'));
      const fixture = await startFixture('conformance-server', transport);
      try {
        const config = writeGatewayConfig(dir, { conformance: fixture.entry }, { strategy: 'none' });
        const gateway = await startGatewayHttp(config);
        try {
          await waitForGatewayTool({ type: 'http', url: gateway.url, headers: {} }, 'test_simple_text');
          through = await runConformance(gateway.url, 'all');
        } finally {
          await gateway.close();
        }
      } finally {
        await fixture.close();
      }
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('passes every check that passes directly', () => {
      expectComplete(through, scenarios);
      expectFailures(through, EXPECTED_FAILURES.gateway);
      // Same verdict for every graded check (INFO lines are event logs and vary in number).
      const graded = (checks: ConformanceCheck[]) =>
        checks.filter((c) => c.status !== 'INFO').map((c) => `${c.scenario}/${c.id}: ${c.status}`).sort();
      expect(graded(through)).toEqual(graded(direct));
    });
  });
});
