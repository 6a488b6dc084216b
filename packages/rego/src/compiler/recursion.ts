/**
 * Recursion check (OPA: rego_recursion_error). A rule may not depend on itself through refs or
 * calls. Dependencies are the `data.` refs and function calls in a rule's body and head, resolved
 * to the tree nodes they can reach; a var segment reaches every child. The nodes come back in
 * dependency order (a rule after the rules it uses), the order the type checker visits them in.
 */
import type { Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { RuleNode, CompiledRule } from './rule-tree.ts';
import { walkBody, walkTerm } from './walk.ts';

export function checkRecursion(root: RuleNode): RuleNode[] {
  const edges = new Map<RuleNode, Set<RuleNode>>();
  for (const node of root.walk()) {
    if (!node.hasRules) continue;
    const targets = new Set<RuleNode>();
    for (const rule of [...node.rules, ...node.defaults]) for (let r: CompiledRule | undefined = rule; r; r = r.else) collectRule(r, root, targets);
    edges.set(node, targets);
  }
  const state = new Map<RuleNode, 'visiting' | 'done'>();
  const stack: RuleNode[] = [];
  const order: RuleNode[] = [];
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
    order.push(node);
  };
  for (const node of edges.keys()) visit(node);
  return order;
}

function collectRule(rule: CompiledRule, root: RuleNode, out: Set<RuleNode>): void {
  const visitor = {
    term: (term: Term): void => {
      if (term.type === 'ref' && term.head.type === 'var' && term.head.name === 'data' && term.head.slot === -1) reach(root, term.path, 0, out);
      if (term.type === 'call' && term.name.startsWith('data.')) {
        const node = root.find(term.name.split('.').slice(1));
        if (node) out.add(node);
      }
    },
  };
  for (const term of [...rule.rest, ...(rule.key ? [rule.key] : []), rule.value, ...(rule.args ?? [])]) walkTerm(term, visitor);
  walkBody(rule.body, visitor);
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
