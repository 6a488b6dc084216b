/**
 * The rule tree: one node per path segment under `data`, holding the rules whose head's ground
 * prefix ends there. Evaluation walks it to answer `data.a.b[x]...` refs, merging rule values with
 * the base document, as OPA's topdown evaluates virtual documents.
 */
import type { Body, Term } from '../ast.ts';
import type { Location } from '../errors.ts';
import { buildRuleIndex } from './rule-index.ts';
import type { RuleIndex } from './rule-index.ts';

export interface CompiledRule {
  kind: 'value' | 'set' | 'function';
  /** Full ground path from `data` (`['pkg', 'a', 'b']`). */
  path: string[];
  /** Head ref terms after the ground prefix (`p[x][y] := z` -> [x, y]). */
  rest: Term[];
  args?: Term[];
  /** `contains` member. */
  key?: Term;
  value: Term;
  body: Body;
  isDefault: boolean;
  else?: CompiledRule;
  frameSize: number;
  loc: Location;
}

export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  readonly rules: CompiledRule[] = [];
  readonly defaults: CompiledRule[] = [];
  /** A module declares this package: its document is at least `{}` (OPA fix1863). */
  isPackage = false;
  constructor(readonly path: string[]) {}

  /** Set by `seal()` once the tree is built: read on every ref walk, so not recomputed. */
  isFunction = false;
  hasRules = false;
  /** Only complete rules (no ref-head variables): one value, not a set or object. */
  isComplete = false;
  /** Rules selected by an input value (rule-index.ts), when the node's rules allow it. */
  index: RuleIndex | undefined;

  /** Fixes the derived flags of every node; called once after compilation. */
  seal(): void {
    for (const node of this.walk()) {
      const all = [...node.rules, ...node.defaults];
      node.hasRules = all.length > 0;
      node.isFunction = all.some((rule) => rule.kind === 'function');
      node.isComplete = node.rules.length > 0 && node.rules.every((rule) => rule.kind === 'value' && rule.rest.length === 0);
      node.index = node.isFunction ? undefined : buildRuleIndex(node.rules);
    }
  }

  child(key: string): RuleNode {
    let node = this.children.get(key);
    if (!node) {
      node = new RuleNode([...this.path, key]);
      this.children.set(key, node);
    }
    return node;
  }

  find(path: readonly string[]): RuleNode | undefined {
    let node: RuleNode | undefined = this;
    for (const key of path) {
      node = node.children.get(key);
      if (!node) return undefined;
    }
    return node;
  }

  /** Every node in the subtree (for compile checks). */
  *walk(): IterableIterator<RuleNode> {
    yield this;
    for (const child of this.children.values()) yield* child.walk();
  }
}
