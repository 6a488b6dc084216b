import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyConfigSchema } from '../../../src/policy/config.ts';
import { loadRegoBackend } from '../../../src/policy/rego-backend.ts';
import { input } from './engine.contract.ts';

/** Loading variants of the rego backend: which files count, where data lands, how errors read. */
const config = (paths: string[], entrypoint = 'data.mcp.authz') => policyConfigSchema.parse({ engine: 'rego', paths, entrypoint, watch: false });

const ALLOW_ADMINS = `package mcp.authz

allow if "admin" in input.principal.roles
`;

describe('rego backend - loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-rego-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(path: string, text: string): void {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }

  async function loadFailure(paths: string[]): Promise<{ code: string; message: string }> {
    return loadRegoBackend(config(paths), dir).then(
      () => {
        throw new Error('expected the load to fail');
      },
      (error: unknown) => error as { code: string; message: string },
    );
  }

  it('leaves *_test.rego files out of the decision set', async () => {
    write('policies/authz.rego', ALLOW_ADMINS);
    // In the same package, this would make allow conflict for admins if it were loaded.
    write('policies/authz_test.rego', 'package mcp.authz\n\nallow := "not a boolean" if "admin" in input.principal.roles\n');
    const backend = await loadRegoBackend(config(['policies']), dir);
    expect(backend.files).toEqual(['policies/authz.rego']);
    expect(backend.evaluate(input('tools/call', ['admin']))).toEqual({ defined: true, value: { allow: true } });
  });

  it('mounts data documents at their directory below the configured root', async () => {
    write('policies/authz.rego', 'package mcp.authz\n\nallow if input.principal.roles[_] in data.teams.sales.members\n');
    write('policies/teams/sales/data.yaml', 'members: [analyst]\n');
    const backend = await loadRegoBackend(config(['policies']), dir);
    expect(backend.evaluate(input('tools/call', ['analyst']))).toEqual({ defined: true, value: { allow: true } });
  });

  it('reports the whole document when allow is not true, and undefined when there is none', async () => {
    write('policies/authz.rego', `${ALLOW_ADMINS}\nreasons contains "admins only" if not "admin" in input.principal.roles\n`);
    const backend = await loadRegoBackend(config(['policies']), dir);
    expect(backend.evaluate(input('tools/call', ['analyst']))).toEqual({ defined: true, value: { reasons: ['admins only'] } });
    const missing = await loadRegoBackend(config(['policies'], 'data.mcp.nothing'), dir);
    expect(missing.evaluate(input('tools/call', ['admin']))).toEqual({ defined: false });
  });

  it('never loses an approval to the allow fast path, from a package or from a rule that builds the document', async () => {
    write('policies/authz.rego', `${ALLOW_ADMINS}\napproval := {"required": true, "reason": "writes"} if input.method == "tools/call"\n`);
    const backend = await loadRegoBackend(config(['policies']), dir);
    expect(backend.evaluate(input('tools/call', ['admin']))).toEqual({ defined: true, value: { allow: true, approval: { required: true, reason: 'writes' } } });
    expect(backend.evaluate(input('tools/list', ['admin']))).toEqual({ defined: true, value: { allow: true } });
    write('policies/authz.rego', 'package mcp.authz\n\ndecision := {"allow": true, "approval": {"required": true, "reason": "any rule"}}\n');
    const byRule = await loadRegoBackend(config(['policies'], 'data.mcp.authz.decision'), dir);
    expect(byRule.evaluate(input('tools/call', ['admin']))).toEqual({ defined: true, value: { allow: true, approval: { required: true, reason: 'any rule' } } });
  });

  it('accepts an entrypoint that names the allow rule itself', async () => {
    write('policies/authz.rego', ALLOW_ADMINS);
    const backend = await loadRegoBackend(config(['policies'], 'data.mcp.authz.allow'), dir);
    expect(backend.evaluate(input('tools/call', ['admin']))).toEqual({ defined: true, value: true });
  });

  it('names file, row and column of a compile error', async () => {
    write('policies/authz.rego', 'package mcp.authz\n\nallow if {\n\tx == 1\n}\n');
    const error = await loadFailure(['policies']);
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toMatch(/^policies\/authz\.rego:4:2: rego_unsafe_var_error: /);
  });

  it('names file and line of a broken data document', async () => {
    write('policies/authz.rego', ALLOW_ADMINS);
    write('policies/data.json', '{\n  "roles": [1, 2,]\n}\n');
    const error = await loadFailure(['policies']);
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toBe('policies/data.json:2:18: invalid JSON: expected a value, found "]"');
  });

  it('refuses a set without modules', async () => {
    write('policies/data.json', '{}');
    expect(await loadFailure(['policies'])).toMatchObject({ code: 'POLICY_LOAD_FAILED', message: 'no .rego modules under policies' });
  });
});
