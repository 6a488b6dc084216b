import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditStore } from '../../../src/audit/index.ts';
import type { Decision } from '../../../src/policy/contract.ts';
import { auditDecision } from '../../../src/pipeline/stages/audit-decision.ts';
import { auditConfig, readEvents, tempDir } from '../../../testkit/support/audit.ts';
import { principal, silentLogger } from '../../../testkit/support/engines.ts';
import { testClock } from '../../../testkit/support/tokens.ts';
import { resolved } from './stage-context.ts';

/**
 * Stage 4 in process, with the real SQLite audit store in a temp dir: the decision row is
 * committed, readable by another connection, by the time the stage hands on its context.
 */
const { dir, cleanup } = tempDir('stage-audit-decision');
const path = join(dir, 'audit.db');
const store = openAuditStore(auditConfig(path), { logger: silentLogger });
afterAll(async () => {
  await store.close();
  cleanup();
});

const decision: Decision = { allow: true, reasons: [], decisionId: 'dec-stage-1', revision: 'sha256:stage' };

describe('audit-decision - the stage in process', () => {
  it('commits the decision row, with what the policy decided on, before it hands on the context', async () => {
    const authorized = { ...resolved(principal('alice'), { sql: 'select 1' }), decision };
    const recorded = await auditDecision(authorized, { audit: store, clock: testClock() });
    expect(recorded).toBe(authorized);
    const rows = readEvents(path, "kind = 'decision'");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sub: 'alice', method: 'tools/call', public_name: 'db__query', upstream: 'db', upstream_name: 'query', decision: 'allow', decision_id: 'dec-stage-1', request_id: '7', session_id: 'session-1' });
    expect(JSON.parse(rows[0]!.data)).toMatchObject({ arguments: { sql: 'select 1' }, policy_revision: 'sha256:stage' });
  });

  it('rejects when the store cannot write, so the runner answers AUDIT_UNAVAILABLE and nothing is forwarded', async () => {
    const closed = openAuditStore(auditConfig(join(dir, 'closed.db')), { logger: silentLogger });
    await closed.close();
    const authorized = { ...resolved(principal('alice'), { sql: 'select 1' }), decision: { ...decision, decisionId: 'dec-stage-2' } };
    await expect(auditDecision(authorized, { audit: closed, clock: testClock() })).rejects.toThrow();
  });
});
