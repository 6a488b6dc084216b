import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHttp, waitForGatewayTool, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { type FixtureName, startFixture, type FixtureTransport } from '../../../testkit/fixtures/spawn.ts';
import { type ConformanceCheck, listRequiredServerScenarios, type Requirements, runConformance } from './run-conformance.ts';

/**
 * The official conformance suite (@modelcontextprotocol/conformance 0.2.0-alpha.12), server
 * scenarios, once per MCP revision's requirement set: directly against a fixture that speaks
 * that revision, and through `warden serve` with that fixture as its upstream over each
 * transport. Every required scenario passes directly (no expected failures), and through the
 * gateway each of its graded checks has the same verdict as directly. The scenarios a set runs
 * but does not score (extensions such as tasks, pending ones) are held to less: one that passes
 * directly must pass through the gateway too.
 *
 * 2025-11-25 runs against the SDK v1 fixture (sessions, server-to-client requests mid-call);
 * 2026-07-28 against its SDK v2 twin, which refuses the old era, so the gateway reaches it by
 * discovery. Legacy SSE has no new era, and the old era over stdio is left to the other e2e tests
 * (each run here starts a gateway and a fixture, and the file's wall time counts in CI).
 */
const REQUIRED_COUNT: Record<Requirements, number> = { '2025-11-25': 30, '2026-07-28': 37 };
const SETS: Record<Requirements, { fixture: FixtureName; tool: string; transports: FixtureTransport[] }> = {
  '2025-11-25': { fixture: 'conformance-server', tool: 'test_simple_text', transports: ['http', 'sse'] },
  '2026-07-28': { fixture: 'conformance-modern', tool: 'test_simple_text', transports: ['stdio', 'http'] },
};

const dirs: string[] = [];

async function direct(requirements: Requirements): Promise<ConformanceCheck[]> {
  const fixture = await startFixture(SETS[requirements].fixture, 'http');
  try {
    return await runConformance(fixture.url!, requirements);
  } finally {
    await fixture.close();
  }
}

async function throughGateway(requirements: Requirements, transport: FixtureTransport): Promise<ConformanceCheck[]> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-conformance-gw-'));
  dirs.push(dir);
  const fixture = await startFixture(SETS[requirements].fixture, transport);
  try {
    const gateway = await startGatewayHttp(writeGatewayConfig(dir, { conformance: fixture.entry }, { strategy: 'none' }));
    try {
      await waitForGatewayTool({ type: 'http', url: gateway.url, headers: {} }, SETS[requirements].tool);
      return await runConformance(gateway.url, requirements);
    } finally {
      await gateway.close();
    }
  } finally {
    await fixture.close();
  }
}

/** Graded verdicts (INFO lines are event logs and vary in number), as `scenario/check: STATUS`. */
const graded = (checks: ConformanceCheck[], scenarios: Set<string>) =>
  checks.filter((c) => c.status !== 'INFO' && scenarios.has(c.scenario)).map((c) => `${c.scenario}/${c.id}: ${c.status}`).sort();

const failing = (checks: ConformanceCheck[]) => new Set(checks.filter((c) => c.status === 'FAILURE').map((c) => c.scenario));

describe('conformance suite', () => {
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(Object.keys(SETS) as Requirements[])('--requirements %s', (requirements) => {
    let required: string[];
    let directChecks: ConformanceCheck[];

    beforeAll(async () => {
      required = await listRequiredServerScenarios(requirements);
      directChecks = await direct(requirements);
    });

    it('knows what the revision requires', () => {
      expect(required).toHaveLength(REQUIRED_COUNT[requirements]);
    });

    it('passes every required scenario against the fixture directly', () => {
      const seen = new Set(directChecks.map((check) => check.scenario));
      expect(required.filter((scenario) => !seen.has(scenario)), 'required scenarios that produced no checks').toEqual([]);
      const scored = new Set(required);
      const failures = directChecks.filter((c) => c.status === 'FAILURE' && scored.has(c.scenario));
      expect(failures.map((c) => `${c.scenario}/${c.id}: ${c.errorMessage ?? ''}`)).toEqual([]);
    });

    describe.each(SETS[requirements].transports)('through the gateway, upstream over %s', (transport) => {
      let through: ConformanceCheck[];

      beforeAll(async () => {
        through = await throughGateway(requirements, transport);
      });

      it('gives every required check the verdict it has directly', () => {
        const scored = new Set(required);
        const details = through.filter((c) => c.status === 'FAILURE' && scored.has(c.scenario)).map((c) => `${c.scenario}/${c.id}: ${c.errorMessage ?? ''}`);
        expect(graded(through, scored), details.join('\n')).toEqual(graded(directChecks, scored));
      });

      it('fails no unscored scenario (extension, pending) that passes directly', () => {
        const scored = new Set(required);
        const directFailing = failing(directChecks);
        const passedDirectly = new Set(directChecks.filter((c) => !scored.has(c.scenario) && !directFailing.has(c.scenario)).map((c) => c.scenario));
        expect([...failing(through)].filter((scenario) => passedDirectly.has(scenario))).toEqual([]);
      });
    });
  });
});
