/**
 * The two outputs of `opa test` (v1/tester/reporter.go): the pretty text (non-passing tests as they
 * come, `--verbose` all; a FAILURES section with the expression that failed at `file:row`; the
 * PASS/FAIL/SKIPPED/ERROR summary) and the JSON array of results.
 */
import { regoText } from '../rego-text.ts';
import type { CaseResult, TestReport, TestResult } from './run-tests.ts';
import { expressionText } from './source-text.ts';
import type { FailedExpr } from './test-tracer.ts';

const RULE = '-'.repeat(80);

export interface PrettyOptions {
  verbose: boolean;
  /** Module sources by file name: the failing expression is quoted from them. */
  sources: Readonly<Record<string, string>>;
  varValues: boolean;
  /** Colours an outcome word (PASS, FAIL, ERROR, SKIPPED) for a terminal; plain text without it. */
  paintOutcome?: (outcome: OutcomeWord, word: string) => string;
}

export type OutcomeWord = 'PASS' | 'FAIL' | 'ERROR' | 'SKIPPED';

const OUTCOME_WORDS = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' } as const;

function word(outcome: OutcomeWord, options: Pick<PrettyOptions, 'paintOutcome'>): string {
  return options.paintOutcome === undefined ? outcome : options.paintOutcome(outcome, outcome);
}

function title(result: TestResult, options: Pick<PrettyOptions, 'paintOutcome'>): string {
  const head = `${result.pkg}.${result.name}: ${word(OUTCOME_WORDS[result.outcome], options)}`;
  return result.outcome === 'skip' ? head : `${head} (${goDuration(result.durationNs)})`;
}

/** A duration as Go's time.Duration prints it (`1.5ms`, `812.345µs`, `2.1s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const trim = (n: number): string => String(Number(n.toFixed(6)));
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  return `${trim(ns / 1e9)}s`;
}

export function renderTestReport(report: TestReport, options: PrettyOptions): string {
  const out: string[] = [];
  let dirty = false;
  let lastFile = '';
  for (const result of report.results) {
    if (result.outcome === 'pass' && result.bench) {
      dirty = true;
      out.push(`${result.pkg}.${result.name}\t${String(result.bench.iterations).padStart(8)}\t${String(result.bench.nsPerOp).padStart(10)} ns/op`);
      continue;
    }
    if (!options.verbose && result.outcome === 'pass') continue;
    if (lastFile !== '' && lastFile !== result.location.file) out.push('');
    out.push(`${result.location.file}:${result.location.row}:`);
    lastFile = result.location.file;
    dirty = true;
    out.push(title(result, options));
    for (const c of result.cases ?? []) if (c.fail || options.verbose) out.push(`${'  '.repeat(c.path.length)}${c.path[c.path.length - 1]}: ${word(c.fail ? 'FAIL' : 'PASS', options)}`);
    if (result.output.length > 0) out.push('', ...result.output.map((line) => `  ${line}`), '');
    if (result.error) out.push(`  ${result.error.message}`);
  }
  const failures = report.results.filter((r) => r.outcome === 'fail');
  if (failures.length > 0) {
    out.push(RULE, 'FAILURES', RULE);
    for (const failure of failures) {
      out.push(title(failure, options));
      if (failure.cases && failure.cases.length > 0) {
        out.push('');
        for (const c of failure.cases.filter((x) => x.fail)) out.push(...caseLineage(c, options), ...failureLines(c.failure, options, 2 * (c.path.length + 1)));
      } else out.push(...failureLines(failure.failure, options, 0));
      out.push('');
    }
  }
  if (dirty || failures.length > 0) out.push(RULE);
  const total = report.passed + report.failed + report.skipped + report.errored;
  if (report.passed > 0) out.push(`${word('PASS', options)}: ${report.passed}/${total}`);
  if (report.failed > 0) out.push(`${word('FAIL', options)}: ${report.failed}/${total}`);
  if (report.skipped > 0) out.push(`${word('SKIPPED', options)}: ${report.skipped}/${total}`);
  if (report.errored > 0) out.push(`${word('ERROR', options)}: ${report.errored}/${total}`);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function caseLineage(c: CaseResult, options: Pick<PrettyOptions, 'paintOutcome'>): string[] {
  return c.path.map((name, i) => `${'  '.repeat(i + 1)}${name}: ${word('FAIL', options)}`);
}

/** `file:row:` and the expression (and, with --var-values, the variables it saw). */
function failureLines(failure: FailedExpr | undefined, options: PrettyOptions, indent: number): string[] {
  if (!failure) return [];
  const pad = ' '.repeat(indent);
  const at = failure.expr.loc;
  const lines = ['', `${pad}  ${at.file}:${at.row}:`];
  for (const line of expressionText(options.sources[at.file], at).split('\n')) lines.push(`${pad}    ${line}`);
  if (options.varValues && failure.vars.length > 0) {
    lines.push(`${pad}    |`);
    for (const [name, value] of failure.vars) lines.push(`${pad}    | ${name}: ${regoText(value)}`);
  }
  return lines;
}

/** `opa test --format json`: OPA's Result objects (output as base64 bytes, duration in ns). */
export function testReportJson(report: TestReport): unknown[] {
  return report.results.map((result) => {
    const out: Record<string, unknown> = {};
    if (result.error) {
      const at = result.error.locations[0];
      out.error = { code: result.error.code, message: result.error.detail, ...(at ? { location: at } : {}) };
    }
    out.location = result.location;
    if (result.bench) out.benchmark_result = { N: result.bench.iterations, T: result.bench.iterations * result.bench.nsPerOp };
    const subResults = subResultMap(result.cases ?? []);
    if (Object.keys(subResults).length > 0) out.sub_results = subResults;
    out.package = result.pkg;
    out.name = result.name;
    if (result.output.length > 0) out.output = Buffer.from(result.output.map((line) => `${line}\n`).join('')).toString('base64');
    out.duration = result.durationNs;
    if (result.outcome === 'fail') out.fail = true;
    if (result.outcome === 'skip') out.skip = true;
    return out;
  });
}

interface SubResultJson {
  sub_results?: Record<string, SubResultJson>;
  name: string;
  fail?: boolean;
}

function subResultMap(cases: readonly CaseResult[]): Record<string, SubResultJson> {
  const root: Record<string, SubResultJson> = {};
  for (const c of cases) {
    let level = root;
    c.path.forEach((name, i) => {
      const entry = (level[name] ??= { name });
      if (c.fail) entry.fail = true;
      if (i < c.path.length - 1) level = entry.sub_results ??= {};
    });
  }
  return root;
}
