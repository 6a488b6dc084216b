import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/auth/principal.ts';
import { createPolicyEngine, policyConfigSchema, type PolicyInput, type ReloadablePolicyEngine } from '../../../src/policy/index.ts';
import { authorize } from '../../../src/pipeline/stages/authorize.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { principal, silentLogger } from '../../../testkit/support/engines.ts';
import { testClock } from '../../../testkit/support/tokens.ts';
import { resolved } from './stage-context.ts';

/**
 * Stage 3 in process, with the real Rego engine: the two questions of a call (may the caller
 * see the tool, then may it make this call), and what each answer becomes.
 */
const POLICY = `package mcp.authz

default allow := false

allow if {
	input.method == "tools/list"
	input.principal.sub == "alice"
}

allow if {
	input.method == "tools/call"
	input.principal.sub == "alice"
	input.arguments.sql == "select 1"
}

reasons contains "only select 1" if {
	input.method == "tools/call"
	input.arguments.sql != "select 1"
}
`;
const { dir, cleanup } = tempDir('stage-authorize');
const clock = testClock();
let engine: ReloadablePolicyEngine;
const inputs: PolicyInput[] = [];

beforeAll(async () => {
  writeFileSync(join(dir, 'authz.rego'), POLICY);
  engine = await createPolicyEngine(policyConfigSchema.parse({ paths: ['authz.rego'], watch: false }), { baseDir: dir, logger: silentLogger });
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

/** The real engine, remembering each input it was asked about. */
const deps = () => ({ clock, policy: { name: engine.name, revision: engine.revision, evaluate: (input: PolicyInput) => (inputs.push(input), engine.evaluate(input)), close: () => Promise.resolve() } });
const alice: Principal = principal('alice');

describe('authorize - the stage in process', () => {
  it('allows a call the caller may see and make, carrying the decision, after asking both questions in order', async () => {
    inputs.length = 0;
    const verdict = await authorize(resolved(alice, { sql: 'select 1' }), deps());
    expect(verdict.allowed).toBe(true);
    if (verdict.allowed) expect(verdict.context.decision).toMatchObject({ allow: true, revision: engine.revision });
    expect(inputs.map((i) => [i.method, i.tool?.name, i.arguments])).toEqual([
      ['tools/list', 'db__query', undefined],
      ['tools/call', 'db__query', { sql: 'select 1' }],
    ]);
  });

  it('denies a call the caller may see but not make with POLICY_DENIED and the policy reasons', async () => {
    const verdict = await authorize(resolved(alice, { sql: 'drop table t' }), deps());
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      expect(verdict.error).toMatchObject({ code: 'POLICY_DENIED', message: 'Denied by policy: only select 1', details: { reasons: ['only select 1'] } });
      expect(verdict.decision.allow).toBe(false);
    }
  });

  it('answers a caller who may not see the tool exactly as an unknown tool, without asking about the call', async () => {
    inputs.length = 0;
    const verdict = await authorize(resolved(principal('bob'), { sql: 'select 1' }), deps());
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(inputs.map((i) => i.method)).toEqual(['tools/list']);
  });
});
