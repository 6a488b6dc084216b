import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingOf } from '../../../src/approvals/binding.ts';
import { openAuditStore, openDecisionSource } from '../../../src/audit/index.ts';
import type { ApprovalRecordOfCall } from '../../../src/audit/sink.ts';
import { replay } from '../../../src/cli/policy-replay.ts';
import { loadRegoBackend, normalizeDecision, policyConfigSchema, type PolicyInput } from '../../../src/policy/index.ts';
import { auditConfig, decision, tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

/**
 * `policy replay` treats an approval the policy requires as part of the decision (issue 15): a
 * candidate that differs from the recorded decision only in `approval` flips the row, and a call
 * refused because its approval was not given counts as the policy's allow+approval.
 */
const { dir, cleanup } = tempDir('replay-approval');
const db = join(dir, 'audit.db');
afterAll(cleanup);

const LIVE = `package mcp.authz

allow := true

approval := {"required": true, "reason": "echo"} if input.tool.upstream_name == "echo"
`;

const input = (tool: string): Record<string, unknown> => ({
  method: 'tools/call', tool: { name: `db__${tool}`, server: 'db', upstream_name: tool },
  request: { id: '1', session: 's', transport: 'http', protocol_version: '2025-11-25' }, now: '2026-11-23T12:00:00Z',
});
const approval = (result: ApprovalRecordOfCall['result']): ApprovalRecordOfCall => ({ reason: 'echo', mode: 'caller', result, by: 'caller:alice', binding: bindingOf({ sql: 'select 1' }, undefined, 'rev-1') });

beforeAll(async () => {
  const store = openAuditStore(auditConfig(db), { logger: silentLogger });
  await store.recordDecision(decision({ decisionId: 'approved-echo', publicName: 'db__echo', upstreamName: 'echo', input: input('echo'), approval: approval('approved') }));
  await store.recordDecision(decision({ decisionId: 'plain-whoami', publicName: 'db__whoami', upstreamName: 'whoami', input: input('whoami') }));
  await store.recordDecision(decision({ decisionId: 'declined-echo', publicName: 'db__echo', upstreamName: 'echo', decision: 'deny', code: 'APPROVAL_DECLINED', input: input('echo'), approval: approval('declined') }));
  await store.close();
});

async function flips(policy: string): Promise<Array<[string, string, string]>> {
  const at = join(dir, `candidate-${Math.random().toString(36).slice(2)}`);
  mkdirSync(at);
  writeFileSync(join(at, 'authz.rego'), policy);
  const backend = await loadRegoBackend(policyConfigSchema.parse({ paths: [at], watch: false }), dir);
  const source = await openDecisionSource(db);
  try {
    const report = await replay(source.since(undefined), (candidate: PolicyInput) => normalizeDecision(backend.evaluate(candidate), backend.revision));
    return report.flips.map((flip) => [flip.decisionId, flip.from, flip.to]);
  } finally {
    await source.close();
  }
}

describe('policy replay - approval is part of the decision', () => {
  it('the live policy flips nothing: a declined approval was the policy\'s allow+approval', async () => {
    expect(await flips(LIVE)).toEqual([]);
  });

  it('a candidate that no longer asks for the approval flips both echo rows to allow', async () => {
    expect(await flips('package mcp.authz\n\nallow := true\n')).toEqual([
      ['approved-echo', 'allow+approval', 'allow'],
      ['declined-echo', 'allow+approval', 'allow'],
    ]);
  });

  it('a candidate that asks for an approval of whoami too flips that row only', async () => {
    expect(await flips(`${LIVE}\napproval := {"required": true, "reason": "who"} if input.tool.upstream_name == "whoami"\n`)).toEqual([['plain-whoami', 'allow', 'allow+approval']]);
  });

  it('a candidate that denies echo flips from allow+approval to deny', async () => {
    expect(await flips('package mcp.authz\n\nallow if input.tool.upstream_name != "echo"\n')).toEqual([
      ['approved-echo', 'allow+approval', 'deny'],
      ['declined-echo', 'allow+approval', 'deny'],
    ]);
  });
});
