import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { checkPolicies, evaluateQuery, jsonText, run } from '../../src/cli/policy.ts';
import { renderRegoError } from '../../src/cli/policy-load.ts';
import { renderTestReport, runTests } from '@mcp-warden/rego';

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const POLICY = 'package app\n\ndefault allow := false\n\nallow if input.user == data.admin\n';
const TESTS = `package app_test

import data.app

test_admin_allowed if app.allow with input as {"user": "root"}

test_guest_denied if {
  print("checking guest")
  app.allow with input as {"user": "guest"}
}
`;

describe('warden policy', () => {
  it('test: runs test_ rules with with-mocking, reporting file:row and print output', () => {
    const report = runTests({ 'app.rego': POLICY, 'app_test.rego': TESTS }, { admin: 'root' });
    expect(report.results.map((r) => [r.name, r.status, r.row])).toEqual([
      ['data.app_test.test_admin_allowed', 'pass', 5],
      ['data.app_test.test_guest_denied', 'fail', 7],
    ]);
    expect(report.results[1]!.output).toEqual(['checking guest']);
    const text = renderTestReport(report, false);
    expect(text).toContain('data.app_test.test_guest_denied: FAIL');
    expect(text).toContain('at app_test.rego:7');
    expect(text).toMatch(/PASS: 1\/2\nFAIL: 1\/2\n$/);
  });

  it('test: --run filters tests by regular expression', () => {
    const report = runTests({ 'app.rego': POLICY, 'app_test.rego': TESTS }, { admin: 'root' }, { run: 'admin' });
    expect(report.results.map((r) => r.name)).toEqual(['data.app_test.test_admin_allowed']);
    expect(renderTestReport(report, false)).toBe('PASS: 1/1\n');
  });

  it('eval: evaluates a query over policies and data files under -d', async () => {
    const dir = policyDir({ 'app.rego': POLICY, 'data.json': '{"admin": "root"}', 'input.json': '{"user": "root"}' });
    expect(await evaluateQuery('data.app.allow = x', [dir], join(dir, 'input.json'))).toEqual([{ x: true }]);
  });

  it('check: reports parse errors with the source line and a caret', async () => {
    const dir = policyDir({ 'bad.rego': 'package bad\n\nallow if {\n  x :=\n}\n' });
    const { modules, errors } = await checkPolicies([dir]);
    expect(errors).toHaveLength(1);
    const [file] = Object.keys(modules);
    expect(renderRegoError(errors[0]!, modules)).toBe(`${file}:5:1: rego_parse_error: unexpected } token\n5 | }\n    ^\n`);
  });

  it('check: reports compile errors of the whole set', async () => {
    const dir = policyDir({ 'unsafe.rego': 'package u\n\np if x > 1\n' });
    const { errors } = await checkPolicies([dir]);
    expect(errors.map((e) => e.code)).toEqual(['rego_unsafe_var_error']);
  });

  it('eval: prints integers beyond 2^53 exactly', async () => {
    const dir = policyDir({ 'big.rego': 'package big\n\nn := 18446744073709551615 + 2\n' });
    const results = await evaluateQuery('x = data.big.n', [dir]);
    expect(jsonText({ result: results }, 0)).toBe('{"result":[{"x":18446744073709551617}]}');
  });

  it('run: exit codes mean something (0 pass, 2 test failed, 1 not loadable or check errors)', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const passing = policyDir({ 'app.rego': POLICY, 'app_test.rego': 'package app_test\n\ntest_ok if true\n' });
      const failing = policyDir({ 'app.rego': POLICY, 'data.json': '{"admin": "root"}', 'app_test.rego': TESTS });
      const broken = policyDir({ 'bad.rego': 'package bad\n\np if {\n' });
      expect(await run(['test', passing])).toBe(0);
      expect(await run(['test', failing])).toBe(2);
      expect(await run(['test', broken])).toBe(1);
      expect(await run(['check', broken])).toBe(1);
      expect(await run(['check', passing])).toBe(0);
      expect(await run(['test', join(passing, 'missing')])).toBe(1);
      expect(await run(['frobnicate'])).toBe(2);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
