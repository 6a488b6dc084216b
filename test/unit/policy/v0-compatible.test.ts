import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../../../src/policy/index.ts';
import { policyConfigSchema } from '../../../src/policy/config.ts';
import type { PolicyInput } from '../../../src/policy/index.ts';

/**
 * policy.v0_compatible (issue 12, item 8): a Rego v0 policy set loads and decides with the option,
 * and without it fails to load with OPA's message and the hint to the option.
 */
const V0_POLICY = `package mcp.authz

default allow = false

allow {
	input.principal.sub == "alice"
	count(reasons) == 0
}

reasons[msg] {
	input.tool.upstream_name == "drop_table"
	msg := "drop_table is never allowed"
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-v0-'));
  writeFileSync(join(dir, 'authz.rego'), V0_POLICY);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (tool: string): PolicyInput => ({ method: 'tools/call', principal: { sub: 'alice' }, tool: { name: `db__${tool}`, server: 'db', upstream_name: tool } }) as unknown as PolicyInput;

describe('policy.v0_compatible', () => {
  it('defaults to false in the schema', () => {
    expect(policyConfigSchema.parse({}).v0_compatible).toBe(false);
  });

  it('loads a v0 policy set and decides with it', async () => {
    const engine = await createPolicyEngine(policyConfigSchema.parse({ paths: [dir], watch: false, v0_compatible: true }));
    try {
      expect(await engine.evaluate(input('query'))).toMatchObject({ allow: true });
      expect(await engine.evaluate(input('drop_table'))).toMatchObject({ allow: false, code: 'POLICY_DENIED', reasons: ['drop_table is never allowed'] });
    } finally {
      await engine.close();
    }
  });

  it('without the option, the v0 set does not load and the error names the option', async () => {
    await expect(createPolicyEngine(policyConfigSchema.parse({ paths: [dir], watch: false }))).rejects.toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: expect.stringMatching(/authz\.rego:5:7: rego_parse_error: `if` keyword is required before rule body \(Rego v0 syntax: .*--v0-compatible/),
    });
  });
});
