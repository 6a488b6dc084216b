/**
 * The tracer one test runs under: remembers the last expression of the modules that failed (what
 * `opa test` prints in its FAILURES section, the outermost failure being the last one reported),
 * per case of a parametrised test, marks evaluated rows for coverage, and enforces `--timeout`.
 */
import type { Expr, Term } from '../ast.ts';
import type { CompiledRule } from '../compiler/rule-tree.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import type { Env } from '../eval/context.ts';
import { lookup } from '../eval/refs.ts';
import type { Tracer } from '../eval/tracer.ts';
import { toJsonText } from '../value.ts';
import type { Value } from '../value.ts';
import type { CoverageHits } from './coverage.ts';
import { expressionVars } from './source-text.ts';

export interface FailedExpr {
  expr: Expr;
  /** `[name, value]` of the variables the expression mentions, bound when it failed (--var-values). */
  vars: [string, Value][];
}

/** How often (in expressions entered) the clock is read for --timeout. */
const CLOCK_EVERY = 256;

export class TestTracer implements Tracer {
  /** Last failure before any case was reached (or of a plain test). */
  failure: FailedExpr | undefined;
  /** Parametrised tests: key path text of each case reached -> its last failure. */
  readonly cases = new Map<string, { path: string[]; failure: FailedExpr | undefined }>();
  private current: { failure: FailedExpr | undefined } | undefined;
  private entered = 0;
  private readonly varsOf = new Map<Expr, [string, number][]>();

  constructor(
    private readonly files: ReadonlySet<string>,
    private readonly options: {
      deadline: number;
      timeoutText: string;
      varValues: boolean;
      hits: CoverageHits | undefined;
      /** Body expressions of a parametrised test's rules -> the rule (whose head ref names the case). */
      caseRules: ReadonlyMap<Expr, CompiledRule> | undefined;
    },
  ) {}

  enter(expr: Expr, env: Env): void {
    if (++this.entered % CLOCK_EVERY === 0 && performance.now() > this.options.deadline) {
      throw new RegoError('eval_cancel_error', `test timed out after ${this.options.timeoutText}`, [expr.loc]);
    }
    this.options.hits?.mark(expr.loc);
    const rule = this.options.caseRules?.get(expr);
    if (rule !== undefined) this.reachCase(rule, env);
  }

  fail(expr: Expr, env: Env): void {
    // `every` fails because of an expression in its body, reported before it (OPA skips it too).
    if (expr.kind === 'every' || !this.files.has(expr.loc.file)) return;
    const failure: FailedExpr = { expr, vars: this.options.varValues ? this.snapshot(expr, env) : [] };
    if (this.current) this.current.failure = failure;
    else this.failure = failure;
  }

  exit(rule: CompiledRule): void {
    this.options.hits?.mark(rule.loc);
  }

  private snapshot(expr: Expr, env: Env): [string, Value][] {
    let vars = this.varsOf.get(expr);
    if (!vars) this.varsOf.set(expr, (vars = expressionVars(expr)));
    const out: [string, Value][] = [];
    for (const [name, slot] of vars) if (env[slot] !== undefined) out.push([name, env[slot]!]);
    return out;
  }

  /** Once every key of the rule's head ref can be computed, that case is the one running. */
  private reachCase(rule: CompiledRule, env: Env): void {
    const path: string[] = [];
    for (const term of rule.rest) {
      const value = staticValue(term, env);
      if (value === undefined) return;
      path.push(caseName(value));
    }
    const key = JSON.stringify(path);
    let entry = this.cases.get(key);
    if (!entry) this.cases.set(key, (entry = { path, failure: undefined }));
    this.current = entry;
  }
}

/** A case's name as `opa test` prints it: a string as is, anything else as JSON. */
export function caseName(value: Value): string {
  return typeof value === 'string' ? value : toJsonText(value);
}

/** The value of a head-ref term from the bindings alone (a variable, or a path below one). */
function staticValue(term: Term, env: Env): Value | undefined {
  switch (term.type) {
    case 'scalar':
      return term.value;
    case 'value':
      return term.value;
    case 'var':
      return term.slot !== undefined && term.slot >= 0 ? env[term.slot] : undefined;
    case 'ref': {
      let value = staticValue(term.head, env);
      for (const part of term.path) {
        const key = staticValue(part, env);
        if (key === undefined) return undefined;
        value = lookup(value, key);
      }
      return value;
    }
    default:
      return undefined;
  }
}

