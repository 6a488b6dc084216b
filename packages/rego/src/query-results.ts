/**
 * Query results as `opa eval` reports them: per solution, the value of each expression of the
 * query (a term expression's value; `true` for the others) and the bindings of its variables.
 * A term expression is rewritten to `$exprN = term` so its value can be read back (a `false` value
 * is reported, as `opa eval data.p.allow` reports it); a call expression that gives `false`
 * (`1 == 2`) fails the solution, as in OPA.
 */
import type { Expr } from './ast.ts';
import { parseQueryText } from './parser/module.ts';
import type { EvaluateOptions, PolicySet } from './policy-set.ts';
import { expressionText } from './tester/source-text.ts';
import { toJson } from './value.ts';
import type { JsonValue } from './value.ts';

export interface ExpressionValue {
  value: JsonValue | bigint;
  text: string;
  location: { row: number; col: number };
}

export interface QueryResult {
  expressions: ExpressionValue[];
  bindings?: Record<string, JsonValue | bigint>;
}

export function evaluateQueryResults(set: PolicySet, text: string, options: EvaluateOptions = {}): QueryResult[] {
  const parsed = parseQueryText(text);
  const meta = parsed.map((expr) => ({ text: expressionText(text, expr.loc), location: { row: expr.loc.row, col: expr.loc.col } }));
  const body: Expr[] = parsed.map((expr, i) =>
    expr.kind === 'term' ? { kind: 'unify', lhs: { type: 'var', name: `$expr${i}`, loc: expr.loc }, rhs: expr.term, assign: false, loc: expr.loc, with: expr.with } : expr,
  );
  const { results, error } = set.prepareBody(body).evaluateValues(options);
  if (error) throw error;
  const out: QueryResult[] = [];
  for (const row of results) {
    const values = parsed.map((expr, i) => (expr.kind === 'term' ? row[`$expr${i}`] : true));
    if (parsed.some((expr, i) => expr.kind === 'term' && expr.term.type === 'call' && values[i] === false)) continue;
    const result: QueryResult = { expressions: values.map((value, i) => ({ value: toJson(value!), ...meta[i]! })) };
    const bindings: Record<string, JsonValue | bigint> = {};
    for (const name of Object.keys(row)) if (!name.startsWith('$')) bindings[name] = toJson(row[name]!);
    if (Object.keys(bindings).length > 0) result.bindings = bindings;
    out.push(result);
  }
  return out;
}
