/**
 * `warden policy test`: runs every `test_*` rule of the `*_test.rego` modules, like `opa test`.
 * A test passes when its rule is defined and not false; `print` output is kept per test.
 */
import { compile } from '../index.ts';
import type { PolicySet } from '../index.ts';
import { RegoError } from '../errors.ts';

export type TestStatus = 'pass' | 'fail' | 'error';

export interface TestResult {
  /** `data.pkg.test_name` */
  name: string;
  file: string;
  row: number;
  status: TestStatus;
  durationMs: number;
  output: string[];
  error?: string;
}

export interface TestReport {
  results: TestResult[];
  passed: number;
  failed: number;
  errored: number;
}

/** The test rules of a compiled set, in file order; a name defined by several bodies runs once. */
function discover(policies: PolicySet, filter: RegExp | undefined): { name: string; file: string; row: number }[] {
  const seen = new Set<string>();
  const tests: { name: string; file: string; row: number }[] = [];
  for (const module of policies.modules) {
    if (!module.file.endsWith('_test.rego')) continue;
    for (const rule of module.rules) {
      const ref = rule.head.ref;
      if (ref.type !== 'var' || !ref.name.startsWith('test_') || rule.head.args) continue;
      const name = ['data', ...module.pkg, ref.name].join('.');
      if (seen.has(name) || (filter && !filter.test(name))) continue;
      seen.add(name);
      tests.push({ name, file: module.file, row: rule.loc.row });
    }
  }
  return tests;
}

export function runTests(modules: Record<string, string>, data: unknown, options: { run?: string } = {}): TestReport {
  const policies = compile(modules, { data });
  const results: TestResult[] = [];
  for (const test of discover(policies, options.run === undefined ? undefined : new RegExp(options.run))) {
    const output: string[] = [];
    const started = performance.now();
    let status: TestStatus;
    let error: string | undefined;
    try {
      const rows = policies.evaluate(`__result = ${test.name}`, { print: (message) => output.push(message) });
      status = rows.length > 0 && rows[0]!.__result !== false ? 'pass' : 'fail';
    } catch (thrown) {
      if (!(thrown instanceof RegoError)) throw thrown;
      status = 'error';
      error = thrown.message;
    }
    const result: TestResult = { ...test, status, durationMs: performance.now() - started, output };
    if (error !== undefined) result.error = error;
    results.push(result);
  }
  return {
    results,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    errored: results.filter((r) => r.status === 'error').length,
  };
}

const RULE = '-'.repeat(80);

/** Text in the spirit of `opa test`: failures (all tests with -v), then `PASS: n/m`. */
export function renderTestReport(report: TestReport, verbose: boolean): string {
  const lines: string[] = [];
  const shown = verbose ? report.results : report.results.filter((r) => r.status !== 'pass');
  let file = '';
  for (const result of shown) {
    if (result.file !== file) {
      if (file) lines.push('');
      file = result.file;
      lines.push(`${file}:`);
    }
    const label = result.status === 'pass' ? 'PASS' : result.status === 'fail' ? 'FAIL' : 'ERROR';
    lines.push(`${result.name}: ${label} (${result.durationMs.toFixed(1)}ms) at ${result.file}:${result.row}`);
    if (result.error) lines.push(`  ${result.error}`);
    if (verbose || result.status !== 'pass') for (const line of result.output) lines.push(`  ${line}`);
  }
  const total = report.results.length;
  if (shown.length > 0) lines.push(RULE);
  lines.push(`PASS: ${report.passed}/${total}`);
  if (report.failed > 0) lines.push(`FAIL: ${report.failed}/${total}`);
  if (report.errored > 0) lines.push(`ERROR: ${report.errored}/${total}`);
  return `${lines.join('\n')}\n`;
}
