/**
 * Why a document came out as it did: evaluates a package's document under a tracer and reports,
 * for each rule of the package (each body, `else` branch and default), whether it produced a
 * value, and for a rule that did not, the expression of its own body that stopped it last, with
 * the values of that expression's variables then.
 */
import type { Expr } from './ast.ts';
import type { CompiledRule } from './compiler/rule-tree.ts';
import type { Location } from './errors.ts';
import type { Env } from './eval/context.ts';
import type { Tracer } from './eval/tracer.ts';
import type { PolicySet } from './policy-set.ts';
import { pathRef } from './tester/discover.ts';
import { expressionText, expressionVars, varValues } from './tester/source-text.ts';
import { toJson } from './value.ts';
import type { JsonValue } from './value.ts';

export interface RuleExplanation {
  /** Rule name below the package (`allow`, `reasons`). */
  name: string;
  location: Location;
  kind: 'rule' | 'else' | 'default';
  /** Produced a value (for a default: the value was used). */
  fired: boolean;
  /** The last expression of the rule's own body that failed, when it did not fire. */
  stoppedAt?: { location: Location; text: string; vars: [string, string][] };
}

export interface Explanation {
  /** The document's value, or undefined. */
  value: JsonValue | bigint | undefined;
  rules: RuleExplanation[];
}

class ExplainTracer implements Tracer {
  readonly fired = new Set<CompiledRule>();
  readonly stopped = new Map<CompiledRule, { expr: Expr; vars: [string, string][] }>();

  constructor(private readonly owner: ReadonlyMap<Expr, CompiledRule>) {}

  enter(): void {}

  fail(expr: Expr, env: Env): void {
    const rule = this.owner.get(expr);
    if (rule !== undefined) this.stopped.set(rule, { expr, vars: varValues(expressionVars(expr), env) });
  }

  exit(rule: CompiledRule): void {
    this.fired.add(rule);
  }
}

/** Explains `data.<path>` (a package) for the given input; sources give the expression text. */
export function explainDocument(set: PolicySet, path: readonly string[], input: unknown, sources: Readonly<Record<string, string>>): Explanation {
  const node = set.policy.root.find(path);
  const rules: { name: string; rule: CompiledRule; kind: RuleExplanation['kind'] }[] = [];
  for (const [name, child] of node?.children ?? []) {
    for (const rule of child.rules) {
      let kind: RuleExplanation['kind'] = 'rule';
      for (let branch: CompiledRule | undefined = rule; branch; branch = branch.else, kind = 'else') rules.push({ name, rule: branch, kind });
    }
    for (const rule of child.defaults) rules.push({ name, rule, kind: 'default' });
  }
  const owner = new Map<Expr, CompiledRule>();
  for (const { rule } of rules) for (const expr of rule.body) owner.set(expr, rule);
  const tracer = new ExplainTracer(owner);
  const { results, error } = set.evaluation({ input, tracer }).evaluateValues(set.prepare(`__explained = ${pathRef(path)}`));
  if (error) throw error;
  const value = results[0]?.__explained;
  return {
    value: value === undefined ? undefined : toJson(value),
    rules: rules
      .sort((a, b) => (a.rule.loc.file < b.rule.loc.file ? -1 : a.rule.loc.file > b.rule.loc.file ? 1 : a.rule.loc.row - b.rule.loc.row))
      .map(({ name, rule, kind }) => {
        const out: RuleExplanation = { name, location: rule.loc, kind, fired: tracer.fired.has(rule) };
        const stop = tracer.stopped.get(rule);
        if (!out.fired && stop) out.stoppedAt = { location: stop.expr.loc, text: expressionText(sources[stop.expr.loc.file], stop.expr.loc), vars: stop.vars };
        return out;
      }),
  };
}
