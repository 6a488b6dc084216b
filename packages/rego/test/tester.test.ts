import { describe, expect, it } from 'vitest';
import { renderTestReport, runTests, testReportJson } from '../src/index.ts';

const POLICY = 'package app\n\ndefault allow := false\n\nallow if input.user == data.admin\n';

function run(tests: string, options: Parameters<typeof runTests>[2] = {}) {
  const sources = { 'app.rego': POLICY, 'app_test.rego': tests };
  const report = runTests(sources, { admin: 'root' }, options);
  return { report, text: renderTestReport(report, { verbose: false, sources, varValues: options.varValues === true }) };
}

describe('policy test runner - as opa test', () => {
  it('runs several bodies of one test name as separate tests, the second named test_x#01', () => {
    const { report, text } = run('package app_test\nimport data.app\n\ntest_x if app.allow with input as {"user": "root"}\n\ntest_x if app.allow with input as {"user": "guest"}\n');
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([['test_x', 'pass'], ['test_x#01', 'fail']]);
    expect(text).toMatch(/PASS: 1\/2\nFAIL: 1\/2\n$/);
  });

  it('a failing test shows the expression that failed at file:row, and --var-values its variables', () => {
    const { text } = run('package app_test\nimport data.app\n\ntest_guest if {\n  u := "guest"\n  app.allow with input as {"user": u}\n}\n', { varValues: true });
    expect(text).toContain('FAILURES');
    expect(text).toContain('  app_test.rego:6:\n    app.allow with input as {"user": u}\n    |\n    | u: "guest"\n');
  });

  it('reports each case of a parametrised test, failing the cases whose body failed after the name was bound', () => {
    const { report, text } = run('package app_test\nimport data.app\n\ntest_users[name] if {\n  some name, want in {"root": true, "guest": false, "eve": true}\n  got := app.allow with input as {"user": name}\n  got == want\n}\n');
    expect(report.results[0]!.cases!.map((c) => [c.path.join('.'), c.fail])).toEqual([['eve', true], ['guest', false], ['root', false]]);
    expect([report.passed, report.failed]).toEqual([2, 1]);
    expect(text).toContain('  eve: FAIL');
    expect(text).toContain('app_test.rego:7:\n        got == want');
    const json = testReportJson(report) as Array<Record<string, unknown>>;
    expect(json[0]!.sub_results).toEqual({ eve: { name: 'eve', fail: true }, guest: { name: 'guest' }, root: { name: 'root' } });
  });

  it('one false case of a single-case test is a failure, never PASS: 1/1 (the bug this replaces)', () => {
    const { report, text } = run('package app_test\n\ntest_one[n] if {\n  some n in ["a"]\n  false\n}\n');
    expect(report.failed).toBe(1);
    expect(text).not.toContain('PASS');
    expect(text).toMatch(/FAIL: 1\/1\n$/);
  });

  it('reports todo_test_ rules as skipped', () => {
    const { report, text } = run('package app_test\n\ntest_ok if true\n\ntodo_test_later if false\n');
    expect(report.results.map((r) => r.outcome)).toEqual(['pass', 'skip']);
    expect(text).toContain('data.app_test.todo_test_later: SKIPPED\n');
    expect(text).toMatch(/PASS: 1\/2\nSKIPPED: 1\/2\n$/);
  });

  it('a test whose value is not true fails; an evaluation error is an ERROR with its message', () => {
    const { report, text } = run('package app_test\n\ntest_str := "yes"\n\ntest_err if 1 / 0 == 1\n\ntest_conflict if {\n  x := {"a": 1}\n  x.a == data.app_test.f(1)\n}\n\nf(x) := 1\nf(x) := 2\n');
    expect(report.results.map((r) => r.outcome)).toEqual(['fail', 'fail', 'error']);
    expect(text).toContain('eval_conflict_error: functions must not produce multiple outputs');
  });

  it('--run filters by the full test name; --timeout stops a slow test with an error', () => {
    expect(run('package app_test\n\ntest_a if true\n\ntest_b if true\n', { run: 'test_b$' }).report.results.map((r) => r.name)).toEqual(['test_b']);
    const slow = run('package app_test\n\ntest_slow if {\n  n := numbers.range(1, 200000)\n  count([x | some x in n; x > 0]) > 0\n}\n', { timeoutMs: 1 });
    expect(slow.report.results[0]!.outcome).toBe('error');
    expect(slow.report.results[0]!.error!.code).toBe('eval_cancel_error');
  });

  it('--coverage: covered and not-covered rows per file, in OPA\'s report shape', () => {
    const { report } = run('package app_test\nimport data.app\n\ntest_admin if app.allow with input as {"user": "root"}\n', { coverage: true });
    const file = report.coverage!.files['app.rego']!;
    expect(file.covered).toEqual([{ start: { row: 5 }, end: { row: 5 } }]);
    expect(file.not_covered).toEqual([{ start: { row: 3 }, end: { row: 3 } }]);
    expect(report.coverage!.coverage).toBeGreaterThan(0);
  });

  it('--bench times each passing test', () => {
    const { report, text } = run('package app_test\n\ntest_a if true\n', { benchMs: 5 });
    expect(report.results[0]!.bench!.iterations).toBeGreaterThanOrEqual(10);
    expect(text).toMatch(/^data\.app_test\.test_a\t +\d+\t +\d+ ns\/op\n/);
  });
});
