/**
 * `warden policy test`: runs the tests of a module set as `opa test` does (v1/tester/runner.go).
 * A test passes when its rule is defined and exactly true; a parametrised test reports each case
 * reached (failing when its value is not true, or when its body failed after the case's name was
 * bound); `todo_test_` rules are skipped. Each test runs under a tracer that keeps the failing
 * expression, the coverage rows and the timeout; a `--bench` run times the query without it.
 */
import type { Expr } from '../ast.ts';
import type { CompiledRule } from '../compiler/rule-tree.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import { parseModule } from '../parser/module.ts';
import { PolicySet } from '../policy-set.ts';
import type { Limits } from '../limits.ts';
import { RObject } from '../value.ts';
import type { Value } from '../value.ts';
import { CoverageHits, coverageReport } from './coverage.ts';
import type { CoverageReport } from './coverage.ts';
import { discoverTests, pathRef } from './discover.ts';
import type { DiscoveredTest } from './discover.ts';
import { TestTracer, caseName } from './test-tracer.ts';
import type { FailedExpr } from './test-tracer.ts';

export type TestOutcome = 'pass' | 'fail' | 'error' | 'skip';

export interface CaseResult {
  /** Key path of the case (`test_x[a][b]` -> ['a', 'b']). */
  path: string[];
  fail: boolean;
  failure?: FailedExpr;
}

export interface TestResult {
  /** `data.pkg` */
  pkg: string;
  /** `test_x`, `test_x#01` */
  name: string;
  location: Location;
  outcome: TestOutcome;
  durationNs: number;
  /** print() output, one entry per call. */
  output: string[];
  error?: RegoError;
  /** The last expression that failed (the FAILURES section). */
  failure?: FailedExpr;
  cases?: CaseResult[];
  bench?: { iterations: number; nsPerOp: number };
}

export interface TestReport {
  results: TestResult[];
  /** Leaf counts as `opa test` prints them: each case of a parametrised test counts. */
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  coverage?: CoverageReport;
}

export interface TestOptions {
  /** Only tests whose full name (`data.pkg.test_x`) matches this regular expression. */
  run?: string;
  /** Per test, in milliseconds (opa test: 5 s, 30 s when benchmarking). */
  timeoutMs?: number;
  coverage?: boolean;
  varValues?: boolean;
  /** Time each passing test: repeat it for about this many milliseconds. */
  benchMs?: number;
  limits?: Partial<Limits>;
  /** Rego v0 syntax (OPA's --v0-compatible) for every module that does not import rego.v1. */
  v0Compatible?: boolean;
}

/** Parses and compiles the modules (RegoError on failure) and runs their tests. */
export function runTests(files: Record<string, string>, data: unknown, options: TestOptions = {}): TestReport {
  const modules = Object.entries(files).map(([file, source]) => parseModule(file, source, { v0Compatible: options.v0Compatible === true }));
  const filter = options.run === undefined ? undefined : new RegExp(options.run);
  const tests = discoverTests(modules, filter);
  const set = new PolicySet(modules, { data, ...(options.limits ? { limits: options.limits } : {}) });
  const hits = options.coverage ? new CoverageHits() : undefined;
  const names = new Set(Object.keys(files));
  const results = tests.map((test) => (test.skip ? skipped(test) : runOne(set, test, names, hits, options)));
  const report: TestReport = { results, passed: 0, failed: 0, errored: 0, skipped: 0 };
  for (const result of results) {
    if (result.outcome === 'skip') report.skipped++;
    else if (result.outcome === 'error') report.errored++;
    else if (result.cases && result.cases.length > 0) {
      for (const c of result.cases) c.fail ? report.failed++ : report.passed++;
    } else if (result.outcome === 'pass') report.passed++;
    else report.failed++;
  }
  if (hits) report.coverage = coverageReport(modules, hits);
  return report;
}

function skipped(test: DiscoveredTest): TestResult {
  return { pkg: test.pkg, name: test.name, location: test.location, outcome: 'skip', durationNs: 0, output: [] };
}

function runOne(set: PolicySet, test: DiscoveredTest, files: ReadonlySet<string>, hits: CoverageHits | undefined, options: TestOptions): TestResult {
  const timeoutMs = options.timeoutMs ?? 5000;
  const query = set.prepare(`__result = ${pathRef(test.path)}`);
  const rules = test.parametrised ? (set.policy.root.find(test.path)?.rules ?? []) : [];
  const tracer = new TestTracer(files, {
    deadline: performance.now() + timeoutMs,
    timeoutText: `${timeoutMs}ms`,
    varValues: options.varValues === true,
    hits,
    caseRules: test.parametrised ? caseRules(rules) : undefined,
  });
  const output: string[] = [];
  const result: TestResult = { pkg: test.pkg, name: test.name, location: test.location, outcome: 'pass', durationNs: 0, output };
  const started = performance.now();
  let value: Value | undefined;
  try {
    const { results, error } = set.evaluation({ tracer, print: (message) => output.push(message) }).evaluateValues(query);
    if (error) throw error;
    value = results[0]?.__result;
  } catch (thrown) {
    if (!(thrown instanceof RegoError)) throw thrown;
    result.outcome = 'error';
    result.error = thrown;
  }
  result.durationNs = Math.round((performance.now() - started) * 1e6);
  if (result.outcome === 'error') return result;
  if (test.parametrised) {
    result.cases = cases(value, tracer);
    if (value === undefined || result.cases.some((c) => c.fail)) result.outcome = 'fail';
  } else if (value !== true) result.outcome = 'fail';
  if (result.outcome === 'fail' && tracer.failure) result.failure = tracer.failure;
  if (result.outcome === 'pass' && options.benchMs !== undefined) result.bench = bench(set, query, options.benchMs);
  return result;
}

function caseRules(rules: readonly CompiledRule[]): Map<Expr, CompiledRule> {
  const map = new Map<Expr, CompiledRule>();
  for (const rule of rules) for (const expr of rule.body) map.set(expr, rule);
  return map;
}

/** Cases in the result object (failing unless true) and cases reached but absent from it. */
function cases(value: Value | undefined, tracer: TestTracer): CaseResult[] {
  const found = new Map<string, CaseResult>();
  const visit = (node: Value, path: string[]): void => {
    if (node instanceof RObject && path.length < 16) {
      for (const [key, child] of node.sortedEntries()) visit(child, [...path, caseName(key)]);
      if (node.size > 0 || path.length > 0) return;
    }
    if (path.length > 0) found.set(JSON.stringify(path), { path, fail: node !== true });
  };
  if (value !== undefined) visit(value, []);
  for (const [key, reached] of tracer.cases) {
    const known = found.get(key);
    if (!known) found.set(key, { path: reached.path, fail: true, ...(reached.failure ? { failure: reached.failure } : {}) });
    else if (known.fail && reached.failure) known.failure = reached.failure;
  }
  return [...found.values()].sort((a, b) => (JSON.stringify(a.path) < JSON.stringify(b.path) ? -1 : 1));
}

/** Repeats a passing test without tracing for about `budgetMs` (at least 10 runs). */
function bench(set: PolicySet, query: ReturnType<PolicySet['prepare']>, budgetMs: number): { iterations: number; nsPerOp: number } {
  let iterations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (iterations < 10 || elapsed < budgetMs) {
    query.evaluateValues({});
    iterations++;
    elapsed = performance.now() - started;
  }
  return { iterations, nsPerOp: Math.round((elapsed * 1e6) / iterations) };
}
