/**
 * Coverage as `opa test --coverage` reports it (v1/cover): a row is covered when an expression on
 * it was evaluated or a rule whose head is on it produced a value; rule heads and expressions
 * (not `some` declarations) that never were are not covered. The report has OPA's JSON shape.
 */
import type { Body, Expr, Module, Rule, Term } from '../ast.ts';
import type { Location } from '../errors.ts';

export class CoverageHits {
  private readonly rows = new Map<string, Set<number>>();

  mark(at: Location): void {
    let rows = this.rows.get(at.file);
    if (!rows) this.rows.set(at.file, (rows = new Set()));
    rows.add(at.row);
  }

  has(file: string, row: number): boolean {
    return this.rows.get(file)?.has(row) === true;
  }

  coveredRows(file: string): number[] {
    return [...(this.rows.get(file) ?? [])].sort((a, b) => a - b);
  }
}

interface Range {
  start: { row: number };
  end: { row: number };
}

export interface FileCoverage {
  covered?: Range[];
  not_covered?: Range[];
  covered_lines?: number;
  not_covered_lines?: number;
  coverage?: number;
}

export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

export function coverageReport(modules: readonly Module[], hits: CoverageHits): CoverageReport {
  const files: Record<string, FileCoverage> = Object.create(null);
  let covered = 0;
  let notCovered = 0;
  for (const module of [...modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const missing: number[] = [];
    const consider = (at: Location): void => {
      if (!hits.has(at.file, at.row)) missing.push(at.row);
    };
    for (const rule of module.rules) walkRule(rule, consider);
    const coveredRanges = ranges(hits.coveredRows(module.file));
    const missingRanges = ranges([...new Set(missing)].sort((a, b) => a - b));
    const file: FileCoverage = {};
    if (coveredRanges.length > 0) file.covered = coveredRanges;
    if (missingRanges.length > 0) file.not_covered = missingRanges;
    const c = lines(coveredRanges);
    const n = lines(missingRanges);
    if (c > 0) file.covered_lines = c;
    if (n > 0) file.not_covered_lines = n;
    if (c + n > 0 && c > 0) file.coverage = (100 * c) / (c + n);
    files[module.file] = file;
    covered += c;
    notCovered += n;
  }
  return { files, covered_lines: covered, not_covered_lines: notCovered, coverage: covered + notCovered === 0 ? 0 : (100 * covered) / (covered + notCovered) };
}

function walkRule(rule: Rule, visit: (at: Location) => void): void {
  visit(rule.loc);
  walkBody(rule.body, visit);
  for (const term of [rule.head.value, rule.head.key, ...(rule.head.args ?? [])]) if (term) walkTerm(term, visit);
  if (rule.else) walkRule(rule.else, visit);
}

function walkBody(body: Body, visit: (at: Location) => void): void {
  for (const expr of body) walkExpr(expr, visit);
}

function walkExpr(expr: Expr, visit: (at: Location) => void): void {
  if (expr.kind === 'some') return;
  visit(expr.loc);
  switch (expr.kind) {
    case 'term':
      walkTerm(expr.term, visit);
      break;
    case 'unify':
      walkTerm(expr.lhs, visit);
      walkTerm(expr.rhs, visit);
      break;
    case 'not':
      walkExpr(expr.expr, visit);
      break;
    case 'somein':
      walkTerm(expr.domain, visit);
      break;
    case 'every':
      walkTerm(expr.domain, visit);
      walkBody(expr.body, visit);
      break;
    case 'and':
    case 'or':
      for (const operand of expr.operands) walkBody(operand, visit);
      break;
  }
}

/** Comprehension bodies inside a term hold expressions of their own. */
function walkTerm(term: Term, visit: (at: Location) => void): void {
  switch (term.type) {
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      walkBody(term.body, visit);
      break;
    case 'array':
    case 'set':
      for (const item of term.items) walkTerm(item, visit);
      break;
    case 'object':
      for (const [key, value] of term.entries) (walkTerm(key, visit), walkTerm(value, visit));
      break;
    case 'call':
      for (const arg of term.args) walkTerm(arg, visit);
      break;
    case 'ref':
      walkTerm(term.head, visit);
      for (const part of term.path) walkTerm(part, visit);
      break;
    default:
      break;
  }
}

function ranges(rows: readonly number[]): Range[] {
  const out: Range[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && row === last.end.row + 1) last.end.row = row;
    else if (!last || row !== last.end.row) out.push({ start: { row }, end: { row } });
  }
  return out;
}

function lines(list: readonly Range[]): number {
  return list.reduce((sum, r) => sum + r.end.row - r.start.row + 1, 0);
}

/** OPA's message when `--threshold` is not met, with the rows not covered. */
export function thresholdMessage(report: CoverageReport, threshold: number): string {
  const lines = [`Code coverage threshold not met: got ${report.coverage.toFixed(2)} instead of ${threshold.toFixed(2)}`];
  const missing: string[] = [];
  for (const [file, fr] of Object.entries(report.files)) {
    for (const r of fr.not_covered ?? []) missing.push(r.start.row === r.end.row ? `\t${file}:${r.start.row}` : `\t${file}:${r.start.row}-${r.end.row}`);
  }
  if (missing.length > 0) lines.push('Lines not covered:', ...missing);
  return `${lines.join('\n')}\n`;
}
