/**
 * Rule indexing, in the spirit of OPA's topdown rule index: when several rules at one path start
 * with `input.<path> == <constant>` on the same input path (a policy with one rule per tool name),
 * the evaluator reads that input value once and runs only the rules whose constant matches, plus
 * the rules that have no such condition. The condition itself still runs, so the index only
 * skips rules that would fail.
 */
import type { Term } from '../ast.ts';
import { keyOf } from '../value.ts';
import type { Value } from '../value.ts';
import type { CompiledRule } from './rule-tree.ts';

export interface RuleIndex {
  /** Path under `input` whose value selects the rules. */
  path: Value[];
  byValue: Map<string, CompiledRule[]>;
  /** Rules without the condition: always evaluated. */
  others: CompiledRule[];
}

/** Fewer rules than this are cheaper to try one by one. */
const MIN_INDEXED = 4;

export function buildRuleIndex(rules: CompiledRule[]): RuleIndex | undefined {
  const keyed = rules.map((rule) => ({ rule, condition: rule.else ? undefined : inputEquality(rule) }));
  const counts = new Map<string, number>();
  for (const { condition } of keyed) if (condition) counts.set(condition.pathKey, (counts.get(condition.pathKey) ?? 0) + 1);
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!best || best[1] < MIN_INDEXED) return undefined;
  const index: RuleIndex = { path: [], byValue: new Map(), others: [] };
  for (const { rule, condition } of keyed) {
    if (!condition || condition.pathKey !== best[0]) {
      index.others.push(rule);
      continue;
    }
    index.path = condition.path;
    const key = keyOf(condition.value);
    const bucket = index.byValue.get(key) ?? [];
    bucket.push(rule);
    index.byValue.set(key, bucket);
  }
  return index;
}

/** The rule's first expression when it is `input.a.b == constant` (either side). */
function inputEquality(rule: CompiledRule): { path: Value[]; pathKey: string; value: Value } | undefined {
  const first = rule.body[0];
  if (!first || first.kind !== 'term' || first.with.length > 0) return undefined;
  const term = first.term;
  if (term.type !== 'call' || term.name !== 'equal' || term.args.length !== 2) return undefined;
  const [a, b] = term.args as [Term, Term];
  const path = inputPath(a) ?? inputPath(b);
  const constant = a.type === 'scalar' ? a.value : b.type === 'scalar' ? b.value : undefined;
  if (!path || constant === undefined) return undefined;
  return { path, pathKey: keyOf(path), value: constant };
}

function inputPath(term: Term): Value[] | undefined {
  if (term.type !== 'ref' || term.head.type !== 'var' || term.head.name !== 'input' || term.head.slot !== -1) return undefined;
  const path: Value[] = [];
  for (const part of term.path) {
    if (part.type !== 'scalar') return undefined;
    path.push(part.value);
  }
  return path;
}
