/**
 * References: `input...`, local values, and `data...`, where the walk goes down the rule tree and
 * evaluates virtual documents (rules) merged with the base document. A variable in a ref enumerates
 * keys (`xs[i]`); a ground key is a direct lookup.
 */
import type { RefTerm, Term } from '../ast.ts';
import { RObject, compare } from '../value.ts';
import type { Value } from '../value.ts';
import type { RuleNode } from '../compiler/rule-tree.ts';
import type { Env, VK } from './context.ts';
import { UNDEFINED } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { eachMember } from './evaluator.ts';
import { evalNodeRules } from './rules.ts';

export function evalRef(ev: Evaluator, ref: RefTerm, env: Env, k: VK): boolean {
  const head = ref.head;
  if (head.type === 'var' && head.slot === -1) {
    if (head.name === 'data') return walkNode(ev, ev.policy.root, ev.ctx.data, ref.path, 0, env, k);
    const input = ev.ctx.input;
    return input === undefined ? false : deref(ev, input, ref.path, 0, env, k);
  }
  return ev.term(head, env, (value) => deref(ev, value, ref.path, 0, env, k));
}

/** Looks a key up in a value: array index, object key, or set member. */
export function lookup(collection: Value | undefined, key: Value): Value | undefined {
  if (collection === undefined || collection === null || typeof collection !== 'object') return undefined;
  if (Array.isArray(collection)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 ? collection[key] : undefined;
  }
  if (collection instanceof RObject) return collection.get(key);
  return collection.has(key) ? key : undefined;
}

function isUnbound(term: Term, env: Env): boolean {
  return term.type === 'var' && term.slot !== -1 && env[term.slot!] === undefined;
}

/** In the base document (JSON), `data.x[2]` finds the key "2", as OPA's store does. */
function lookupBase(collection: Value | undefined, key: Value): Value | undefined {
  const found = lookup(collection, key);
  return found === undefined && typeof key === 'number' && collection instanceof RObject ? collection.get(String(key)) : found;
}

/** Dereferences `value` by `path[i..]`; `base` marks a walk inside the base data document. */
function deref(ev: Evaluator, value: Value, path: Term[], i: number, env: Env, k: VK, base = false): boolean {
  if (i === path.length) return k(value);
  const part = path[i]!;
  const find = base ? lookupBase : lookup;
  if (part.type === 'scalar') {
    const next = find(value, part.value);
    return next === undefined ? false : deref(ev, next, path, i + 1, env, k, base);
  }
  if (isUnbound(part, env) || !ev.canEval(part, env)) {
    return eachMember(value, (key, member) => ev.unify(part, key, env, () => deref(ev, member, path, i + 1, env, k, base)));
  }
  return ev.term(part, env, (key) => {
    const next = find(value, key);
    return next === undefined ? false : deref(ev, next, path, i + 1, env, k, base);
  });
}

/** Walks the rule tree; `base` is the base document at this node. */
function walkNode(ev: Evaluator, node: RuleNode, base: Value | undefined, path: Term[], i: number, env: Env, k: VK): boolean {
  if (node.hasRules || i === path.length || ev.ctx.masks?.has(node)) {
    const value = nodeValue(ev, node, base);
    return value === undefined ? false : deref(ev, value, path, i, env, k);
  }
  const part = path[i]!;
  if (part.type === 'scalar') return walkKey(ev, node, base, part.value, path, i, env, k);
  if (isUnbound(part, env) || !ev.canEval(part, env)) {
    // Rule children and base keys together, in sorted order (OPA iterates documents sorted).
    const keys: Value[] = [...node.children.keys()];
    if (base instanceof RObject) for (const key of base.keys()) if (typeof key !== 'string' || !node.children.has(key)) keys.push(key);
    keys.sort(compare);
    for (const key of keys) {
      if (ev.unify(part, key, env, () => walkKey(ev, node, base, key, path, i, env, k))) return true;
    }
    return false;
  }
  return ev.term(part, env, (key) => walkKey(ev, node, base, key, path, i, env, k));
}

/** One step of the walk: into a child node, or else into the base document. */
function walkKey(ev: Evaluator, node: RuleNode, base: Value | undefined, key: Value, path: Term[], i: number, env: Env, k: VK): boolean {
  const child = typeof key === 'string' ? node.children.get(key) : undefined;
  const below = lookupBase(base, key);
  if (child) return walkNode(ev, child, below, path, i + 1, env, k);
  return below === undefined ? false : deref(ev, below, path, i + 1, env, k, true);
}

/** The value of the document at a tree node: rule results, or children merged over base data. */
function nodeValue(ev: Evaluator, node: RuleNode, base: Value | undefined): Value | undefined {
  if (ev.ctx.masks?.has(node)) return base;
  const cached = ev.ctx.cache.get(node);
  if (cached !== undefined) return cached === UNDEFINED ? undefined : cached;
  const value = computeNode(ev, node, base);
  ev.ctx.cache.set(node, value === undefined ? UNDEFINED : value);
  return value;
}

function computeNode(ev: Evaluator, node: RuleNode, base: Value | undefined): Value | undefined {
  if (node.isFunction) return undefined;
  const own = node.hasRules ? evalNodeRules(ev, node) : undefined;
  if (node.children.size === 0) return node.hasRules ? own : base !== undefined ? base : node.isPackage ? new RObject() : undefined;
  if (own !== undefined && !(own instanceof RObject)) return own;
  const object = new RObject();
  if (base instanceof RObject) for (const [key, value] of base.entries()) object.set(key, value);
  if (own instanceof RObject) for (const [key, value] of own.entries()) object.set(key, value);
  for (const [key, child] of node.children) {
    const value = nodeValue(ev, child, lookup(base, key));
    if (value !== undefined) mergeInto(object, key, value, ev, node);
  }
  return object;
}

function mergeInto(object: RObject, key: string, value: Value, ev: Evaluator, node: RuleNode): void {
  const existing = object.get(key);
  if (existing instanceof RObject && value instanceof RObject) {
    const merged = RObject.fromEntries(existing.entries());
    for (const [k, v] of value.entries()) merged.set(k, v);
    object.set(key, merged);
    return;
  }
  if (existing !== undefined && node.hasRules) ev.conflict('object keys must be unique', node.rules[0] ?? node.defaults[0]!);
  // Base data and a rule at the same path: OPA answers with the base document (base/virtual: conflicts).
  if (existing === undefined) object.set(key, value);
}
