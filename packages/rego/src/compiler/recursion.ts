/**
 * Recursion check (OPA: rego_recursion_error). A rule may not depend on itself through refs or
 * calls. Dependencies are the `data.` refs and function calls in a rule's body and head, resolved
 * to the tree nodes they can reach; a var segment reaches every child.
 */
import type { Body, Expr, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { RuleNode, CompiledRule } from './rule-tree.ts';

export function checkRecursion(root: RuleNode): void {
  const edges = new Map<RuleNode, Set<RuleNode>>();
  for (const node of root.walk()) {
    if (!node.hasRules) continue;
    const targets = new Set<RuleNode>();
    for (const rule of [...node.rules, ...node.defaults]) for (let r: CompiledRule | undefined = rule; r; r = r.else) collectRule(r, root, targets);
    edges.set(node, targets);
  }
  const state = new Map<RuleNode, 'visiting' | 'done'>();
  const stack: RuleNode[] = [];
  const visit = (node: RuleNode): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(node)).map((n) => `data.${n.path.join('.')}`);
      const rule = node.rules[0] ?? node.defaults[0]!;
      throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive: ${[...cycle, cycle[0]].join(' -> ')}`, [rule.loc]);
    }
    state.set(node, 'visiting');
    stack.push(node);
    for (const target of edges.get(node) ?? []) visit(target);
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node);
}

function collectRule(rule: CompiledRule, root: RuleNode, out: Set<RuleNode>): void {
  const term = (t: Term): void => collectTerm(t, root, out);
  rule.rest.forEach(term);
  if (rule.key) term(rule.key);
  term(rule.value);
  rule.args?.forEach(term);
  collectBody(rule.body, root, out);
}

function collectBody(body: Body, root: RuleNode, out: Set<RuleNode>): void {
  for (const expr of body) collectExpr(expr, root, out);
}

function collectExpr(expr: Expr, root: RuleNode, out: Set<RuleNode>): void {
  const term = (t: Term): void => collectTerm(t, root, out);
  for (const w of expr.with) term(w.value);
  switch (expr.kind) {
    case 'term':
      return term(expr.term);
    case 'unify':
      term(expr.lhs);
      return term(expr.rhs);
    case 'not':
      return collectExpr(expr.expr, root, out);
    case 'somein':
      return term(expr.domain);
    case 'every':
      term(expr.domain);
      return collectBody(expr.body, root, out);
    case 'and':
    case 'or':
      return expr.operands.forEach((operand) => collectBody(operand, root, out));
    default:
      return;
  }
}

function collectTerm(term: Term, root: RuleNode, out: Set<RuleNode>): void {
  const recurse = (t: Term): void => collectTerm(t, root, out);
  switch (term.type) {
    case 'ref':
      if (term.head.type === 'var' && term.head.name === 'data' && term.head.slot === -1) reach(root, term.path, 0, out);
      recurse(term.head);
      term.path.forEach(recurse);
      return;
    case 'call':
      if (term.name.startsWith('data.')) {
        const node = root.find(term.name.split('.').slice(1));
        if (node) out.add(node);
      }
      term.args.forEach(recurse);
      return;
    case 'array':
    case 'set':
      return term.items.forEach(recurse);
    case 'object':
      return term.entries.forEach(([k, v]) => {
        recurse(k);
        recurse(v);
      });
    case 'arraycomp':
    case 'setcomp':
      recurse(term.head);
      return collectBody(term.body, root, out);
    case 'objectcomp':
      recurse(term.key);
      recurse(term.value);
      return collectBody(term.body, root, out);
    case 'template':
      return term.parts.forEach((part) => typeof part !== 'string' && recurse(part));
    case 'with':
      recurse(term.term);
      return term.with.forEach((w) => recurse(w.value));
    default:
      return;
  }
}

/** Marks the rule nodes a `data` ref can reach. */
function reach(node: RuleNode, path: Term[], i: number, out: Set<RuleNode>): void {
  if (node.hasRules) {
    out.add(node);
    return;
  }
  if (i === path.length) {
    for (const child of node.walk()) if (child.hasRules) out.add(child);
    return;
  }
  const part = path[i]!;
  if (part.type === 'scalar') {
    const child = typeof part.value === 'string' ? node.children.get(part.value) : undefined;
    if (child) reach(child, path, i + 1, out);
    return;
  }
  for (const child of node.children.values()) reach(child, path, i + 1, out);
}
