/**
 * Rule evaluation: the value of the rules at one tree node. Complete rules (with `else` chains and
 * `default`) give one value, `contains` rules a set, ref-head rules with variables (`p[x] := y`) an
 * object; conflicting outputs are eval_conflict_errors with OPA's messages.
 */
import { RObject, RSet, equals, keyOf } from '../value.ts';
import type { Value } from '../value.ts';
import type { CompiledRule, RuleNode } from '../compiler/rule-tree.ts';
import type { Env } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { evalList } from './terms.ts';
import { lookup } from './refs.ts';

export function evalNodeRules(ev: Evaluator, node: RuleNode): Value | undefined {
  return ev.nested(node.rules[0]?.loc ?? node.defaults[0]!.loc, () => {
    if (node.isComplete) return completeValue(ev, node);
    if (node.rules.length === 0) return defaultValue(ev, node);
    return partialValue(ev, node);
  });
}

/** The rules worth evaluating: all of them, or those the rule index selects for this input. */
function candidates(ev: Evaluator, node: RuleNode): CompiledRule[] {
  const index = node.index;
  if (!index) return node.rules;
  let value: Value | undefined = ev.ctx.input;
  for (const key of index.path) {
    if (value === undefined) break;
    value = lookup(value, key);
  }
  const selected = value === undefined ? undefined : index.byValue.get(keyOf(value));
  return selected ? (index.others.length === 0 ? selected : [...selected, ...index.others]) : index.others;
}

function completeValue(ev: Evaluator, node: RuleNode): Value | undefined {
  let result: Value | undefined;
  for (const rule of candidates(ev, node)) {
    const value = chainValue(ev, rule, 'complete rules must not produce multiple outputs');
    if (value === undefined) continue;
    if (result !== undefined && !equals(result, value)) ev.conflict('complete rules must not produce multiple outputs', rule);
    result = value;
  }
  return result !== undefined ? result : defaultValue(ev, node);
}

function defaultValue(ev: Evaluator, node: RuleNode): Value | undefined {
  const rule = node.defaults[0];
  if (!rule) return undefined;
  let value: Value | undefined;
  ev.term(rule.value, new Array(rule.frameSize), (v) => {
    value = v;
    return true;
  });
  if (value !== undefined) ev.tracer?.exit(rule);
  return value;
}

/**
 * The value of a rule's first `else` branch that has a solution. All solutions of that branch
 * must agree; a constant value needs only the first solution.
 */
export function chainValue(ev: Evaluator, rule: CompiledRule, conflictMessage: string, bindArgs?: (branch: CompiledRule, env: Env, k: () => boolean) => boolean): Value | undefined {
  for (let branch: CompiledRule | undefined = rule; branch; branch = branch.else) {
    const current = branch;
    const env: Env = new Array(rule.frameSize);
    const constant = current.value.type === 'scalar';
    let value: Value | undefined;
    // Unnamed closures on purpose: this runs per rule evaluation (see evalList).
    const solve = bindArgs ?? runBranch;
    solve(current, env, () =>
      ev.body(current.body, env, () =>
        ev.term(current.value, env, (v) => {
          if (value !== undefined && !equals(value, v)) ev.conflict(conflictMessage, current);
          value = v;
          return constant;
        }),
      ),
    );
    if (value !== undefined) {
      ev.tracer?.exit(current);
      return value;
    }
  }
  return undefined;
}

function runBranch(_branch: CompiledRule, _env: Env, run: () => boolean): boolean {
  return run();
}

/** Sets from `contains` rules and objects from ref heads with variables, merged at this node. */
function partialValue(ev: Evaluator, node: RuleNode): Value {
  const isSet = node.rules.every((rule) => rule.kind === 'set' && rule.rest.length === 0);
  const out: RSet | RObject = isSet ? new RSet() : new RObject();
  for (const rule of candidates(ev, node)) {
    const env: Env = new Array(rule.frameSize);
    ev.body(rule.body, env, () =>
      evalList(ev, rule.rest, env, (keys) =>
        ev.term(rule.kind === 'set' ? rule.key! : rule.value, env, (value) => {
          ev.tracer?.exit(rule);
          if (out instanceof RSet) out.add(value);
          else insert(ev, out, keys, value, rule);
          return false;
        }),
      ),
    );
  }
  return out;
}

function insert(ev: Evaluator, root: RObject, keys: Value[], value: Value, rule: CompiledRule): void {
  let object = root;
  const last = keys.length - 1;
  for (let i = 0; i < last; i++) {
    const existing = object.get(keys[i]!);
    if (existing === undefined) {
      const child = new RObject();
      object.set(keys[i]!, child);
      object = child;
    } else if (existing instanceof RObject) object = existing;
    else return ev.conflict('object keys must be unique', rule);
  }
  const key = keys[last]!;
  const existing = object.get(key);
  if (rule.kind === 'set') {
    // `p[x] contains y`: the leaf under the last key is a set.
    if (existing instanceof RSet) existing.add(value);
    else if (existing === undefined) object.set(key, RSet.of([value]));
    else ev.conflict('object keys must be unique', rule);
    return;
  }
  if (existing !== undefined && !equals(existing, value)) ev.conflict('object keys must be unique', rule);
  object.set(key, value);
}
