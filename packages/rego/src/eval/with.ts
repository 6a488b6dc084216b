/**
 * `with`: evaluates one expression under replaced input, data paths or functions. The replacement
 * context has its own rule cache (values computed under a mock must not leak out), and the
 * continuation runs back in the outer context, as in OPA's topdown.
 */
import type { Expr, Term, With } from '../ast.ts';
import { RObject } from '../value.ts';
import type { Value } from '../value.ts';
import type { RuleNode } from '../compiler/rule-tree.ts';
import type { Env, EvalContext, FunctionReplacement, K, VK } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { lookup } from './refs.ts';

export function evalWith(ev: Evaluator, expr: Expr, env: Env, k: K): boolean {
  const outer = ev.ctx;
  const next = withContext(ev, expr.with, env);
  if (!next) return false;
  ev.ctx = next;
  try {
    return ev.exprNoWith(expr, env, () => {
      ev.ctx = outer;
      try {
        return k();
      } finally {
        ev.ctx = next;
      }
    });
  } finally {
    ev.ctx = outer;
  }
}

/** A term's values under `with` modifiers (template strings). */
export function evalTermWith(ev: Evaluator, term: Term, withs: With[], env: Env, k: VK): boolean {
  const outer = ev.ctx;
  const next = withContext(ev, withs, env);
  if (!next) return false;
  ev.ctx = next;
  try {
    return ev.term(term, env, (value) => {
      ev.ctx = outer;
      try {
        return k(value);
      } finally {
        ev.ctx = next;
      }
    });
  } finally {
    ev.ctx = outer;
  }
}

/** The context the modifiers describe; undefined when a replacement value is undefined. */
function withContext(ev: Evaluator, withs: With[], env: Env): EvalContext | undefined {
  const outer = ev.ctx;
  const next: EvalContext = { ...outer, cache: new Map() };
  const masks = new Set<RuleNode>(outer.masks ?? []);
  const functions = new Map<string, FunctionReplacement>(outer.functions ?? []);
  for (const modifier of withs) {
    if (modifier.value.type === 'fnref') {
      functions.set(targetName(modifier.target), { kind: 'function', name: modifier.value.name });
      continue;
    }
    let value: Value | undefined;
    ev.term(modifier.value, env, (v) => {
      value = v;
      return true;
    });
    if (value === undefined) return undefined;
    const target = modifier.target;
    if (target.type === 'scalar') {
      functions.set(String(target.value), { kind: 'value', value });
      continue;
    }
    const path = targetPath(ev, target, env);
    if (path === undefined) return undefined;
    const [root, ...keys] = path;
    if (root === 'input') {
      next.input = patch(next.input, keys, value);
      continue;
    }
    const node = ev.policy.root.find(keys as string[]);
    if (node?.isFunction) {
      functions.set(`data.${keys.join('.')}`, { kind: 'value', value });
      continue;
    }
    next.data = patch(next.data, keys, value) as Value;
    if (node) masks.add(node);
    else maskAncestorRule(ev.policy.root, keys, masks);
  }
  next.masks = masks.size > 0 ? masks : undefined;
  next.functions = functions.size > 0 ? functions : undefined;
  return next;
}

/** `with data.p.q.r as v` where data.p.q is a rule: the rule's value is replaced from base data. */
function maskAncestorRule(root: RuleNode, keys: Value[], masks: Set<RuleNode>): void {
  let node: RuleNode | undefined = root;
  for (const key of keys) {
    node = typeof key === 'string' ? node.children.get(key) : undefined;
    if (!node) return;
    if (node.hasRules) {
      masks.add(node);
      return;
    }
  }
}

function targetName(target: Term): string {
  if (target.type === 'scalar') return String(target.value);
  const path: string[] = [];
  if (target.type === 'ref') for (const part of target.path) if (part.type === 'scalar') path.push(String(part.value));
  return `data.${path.join('.')}`;
}

function targetPath(ev: Evaluator, target: Term, env: Env): Value[] | undefined {
  if (target.type === 'var') return [target.name];
  if (target.type !== 'ref' || target.head.type !== 'var') return undefined;
  const path: Value[] = [target.head.name];
  for (const part of target.path) {
    let key: Value | undefined;
    ev.term(part, env, (v) => {
      key = v;
      return true;
    });
    if (key === undefined) return undefined;
    path.push(key);
  }
  return path;
}

/** A copy of `doc` with `value` at `path` (objects created along the way). */
function patch(doc: Value | undefined, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const object = doc instanceof RObject ? RObject.fromEntries(doc.entries()) : new RObject();
  object.set(key!, patch(lookup(doc, key!), rest, value));
  return object;
}
