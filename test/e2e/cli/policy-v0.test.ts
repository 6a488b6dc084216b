import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../../../testkit/support/gateway-process.ts';

/** `warden policy test|eval|check --v0-compatible` (issue 12, item 8) as a user runs them. */

const warden = (args: string[]) => runWarden(args);

const V0 = `package k8s

default allow = false

allow {
	count(violation) == 0
}

violation[msg] {
	c := input.containers[_]
	c.privileged
	msg := sprintf("%v is privileged", [c.name])
}
`;
const V0_TEST = `package k8s

test_privileged_denied {
	not allow with input as {"containers": [{"name": "a", "privileged": true}]}
}

test_plain_allowed {
	allow with input as {"containers": [{"name": "a"}]}
}
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-v0-cli-'));
  writeFileSync(join(dir, 'k8s.rego'), V0);
  writeFileSync(join(dir, 'k8s_test.rego'), V0_TEST);
  writeFileSync(join(dir, 'input.json'), JSON.stringify({ containers: [{ name: 'web', privileged: true }] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden policy ... --v0-compatible', () => {
  it('test runs a v0 code base and its v0 tests', async () => {
    const run = await warden(['policy', 'test', dir, '--v0-compatible']);
    expect(run.stdout).toContain('PASS: 2/2');
    expect(run.code).toBe(0);
  });

  it('eval and check read the modules as v0', async () => {
    const evaluated = await warden(['policy', 'eval', 'data.k8s.violation', '-d', join(dir, 'k8s.rego'), '-i', join(dir, 'input.json'), '--format', 'raw', '--v0-compatible']);
    expect(evaluated.stdout).toContain('web is privileged');
    expect(evaluated.code).toBe(0);
    const checked = await warden(['policy', 'check', dir, '--v0-compatible']);
    expect(checked.code).toBe(0);
  });

  it('without the flag, check fails with OPA\'s message and names the flag', async () => {
    const checked = await warden(['policy', 'check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain('rego_parse_error: `if` keyword is required before rule body (Rego v0 syntax: compile with the v0-compatible option, `--v0-compatible`)');
  });

  it('explain reads a v0 code base with the flag (or the config\'s policy.v0_compatible)', async () => {
    const explained = await warden(['policy', 'explain', '-d', join(dir, 'k8s.rego'), '-i', join(dir, 'input.json'), '--entrypoint', 'data.k8s', '--v0-compatible']);
    expect(explained.stderr).toBe('');
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/k8s\.rego:5: allow: not true\n +stopped at \S*k8s\.rego:6: count\(violation\) == 0\n/);
    expect(explained.stdout).toMatch(/k8s\.rego:9: violation: true\n/);
    const refused = await warden(['policy', 'explain', '-d', join(dir, 'k8s.rego'), '-i', join(dir, 'input.json'), '--entrypoint', 'data.k8s']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('`--v0-compatible`');
    writeFileSync(join(dir, 'warden.config.json'), JSON.stringify({ mcpServers: {}, policy: { paths: ['k8s.rego'], entrypoint: 'data.k8s', v0_compatible: true } }));
    const fromConfig = await warden(['policy', 'explain', '--config', join(dir, 'warden.config.json'), '-i', join(dir, 'input.json')]);
    expect(fromConfig.stderr).toBe('');
    expect(fromConfig.stdout).toMatch(/violation: true/);
  });
});
