/**
 * OPA's type checker (v1/ast/check.go), run once the rule tree is built: every rule body is
 * walked in its safe order, giving each variable the type of what it is bound to, and a rule its
 * type (the union of its definitions: value, `set[T]` for `contains`, `object[K: V]` for
 * `p[k] := v`, a function type for functions), so types flow from rule to rule and through user
 * functions. Reported, with OPA's texts, as rego_type_error:
 *   - a call whose argument cannot have the declared type (`count: invalid argument(s)`, with
 *     `have:`/`want:`), for built-ins (builtin-types.ts) and user functions;
 *   - `=` (and `==` in modules, which OPA rewrites to `=`) between types that cannot meet
 *     (`match error`);
 *   - a ref into a scalar, a missing key of a known object, a wrong key type (`undefined ref`),
 *     including refs into `input` typed by a JSON schema (schema-types.ts).
 * Anything unknown is `any`, so the checker can miss an error OPA reports but never reports one
 * OPA would not: a rule whose body has an error is `any` to the rules that use it.
 */
import type { Body, Expr, Scalar, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import type { Value } from '../value.ts';
import { BUILTIN_TYPES } from './builtin-types.ts';
import type { CompiledRule, RuleNode } from './rule-tree.ts';
import { ANY, arrayOf, hasUnknown, keys, object, objectOf, or, select, setOf, STR, typeOfValue, typeText, unifies, values } from './type-system.ts';
import type { T, Type } from './type-system.ts';
import { refErrorInvalid, refErrorUnsupported } from './type-errors.ts';

/** Types given by schemas: `input` (OPA's --schema), and per rule from METADATA `schemas`. */
export interface SchemaTypes {
  input?: Type;
}

export interface RuleSchemas {
  /** `input` or a `data.` path, as segments. */
  path: string[];
  type: Type;
}

class Env {
  readonly vars = new Map<number, T>();
  readonly memo = new Map<Term, T>();
  constructor(
    readonly input: T,
    readonly data: ReadonlyArray<RuleSchemas>,
    /** Modules rewrite `a == b` to `a = b` before checking (OPA's RewriteEquals); queries do not. */
    readonly equalsIsUnify: boolean,
  ) {}
}

export class TypeChecker {
  readonly errors: RegoError[] = [];
  private readonly nodeTypes = new Map<RuleNode, T | 'busy'>();

  constructor(
    private readonly root: RuleNode,
    private readonly schemas: SchemaTypes,
    private readonly ruleSchemas: (rule: CompiledRule) => RuleSchemas[] = () => [],
  ) {}

  /**
   * Checks every rule node, in dependency order (a rule after those it uses, as OPA sorts them),
   * so a rule's type is known when a later rule reads it; the errors, sorted, are in `errors`.
   */
  checkAll(order: Iterable<RuleNode>): void {
    for (const node of order) this.nodeType(node);
    this.errors.sort(byLocation);
  }

  /** Checks a query body against the policy's rule types; returns its errors. */
  checkQuery(body: Body): RegoError[] {
    const before = this.errors.length;
    this.body(new Env(this.schemas.input, [], false), body);
    return this.errors.splice(before).sort(byLocation);
  }

  private nodeType(node: RuleNode): T {
    const known = this.nodeTypes.get(node);
    if (known === 'busy') return ANY;
    if (known !== undefined || this.nodeTypes.has(node)) return known as T;
    this.nodeTypes.set(node, 'busy');
    let type: T;
    for (const rule of [...node.rules, ...node.defaults]) {
      for (let branch: CompiledRule | undefined = rule; branch; branch = branch.else) type = merge(type, this.ruleType(branch));
    }
    this.nodeTypes.set(node, type);
    return type;
  }

  private ruleType(rule: CompiledRule): T {
    let input = this.schemas.input;
    const data: RuleSchemas[] = [];
    for (const schema of this.ruleSchemas(rule)) {
      if (schema.path[0] === 'input') input = schema.path.length === 1 ? schema.type : withPath(input, schema.path.slice(1), schema.type);
      else data.push({ path: schema.path.slice(1), type: schema.type });
    }
    const env = new Env(input, data, true);
    const before = this.errors.length;
    this.body(env, rule.body);
    if (this.errors.length > before) return ANY;
    if (rule.kind === 'function') {
      const args = (rule.args ?? []).map((arg) => {
        for (const slot of varSlots(arg)) if (env.vars.get(slot) === undefined) env.vars.set(slot, ANY);
        return this.typeOf(env, arg);
      });
      return { k: 'function', args, result: this.typeOf(env, rule.value) };
    }
    if (rule.kind === 'set') return rule.rest.length > 0 ? ANY : rule.key ? setOrUnknown(this.typeOf(env, rule.key)) : ANY;
    let type = this.typeOf(env, rule.value);
    for (let i = rule.rest.length - 1; i >= 0 && type !== undefined; i--) {
      const key = this.typeOf(env, rule.rest[i]!);
      type = key === undefined ? undefined : objectOf(key, type);
    }
    return type;
  }

  private body(env: Env, body: Body): void {
    for (const expr of body) this.expr(env, expr);
  }

  private expr(env: Env, expr: Expr): void {
    for (const w of expr.with) this.typeOf(env, w.value);
    switch (expr.kind) {
      case 'term': {
        const term = expr.term;
        if (term.type !== 'call') return void this.typeOf(env, term);
        if (env.equalsIsUnify && term.name === 'equal' && term.args.length === 2) return this.unify(env, term.args[0]!, term.args[1]!, expr.loc);
        return void this.call(env, term, false);
      }
      case 'unify':
        return this.unify(env, expr.lhs, expr.rhs, expr.loc);
      case 'not':
        return this.expr(env, expr.expr);
      case 'somein':
        this.typeOf(env, expr.domain);
        for (const pattern of [expr.key, expr.value]) if (pattern) this.unify1(env, pattern, ANY, false);
        return;
      case 'every':
        this.typeOf(env, expr.domain);
        return this.body(env, expr.body);
      case 'and':
      case 'or':
        for (const operand of expr.operands) this.body(env, operand);
        return;
      default:
        return;
    }
  }

  /** `a = b`: OPA's checkExprEq (unify2), `match error` when the two types cannot meet. */
  private unify(env: Env, a: Term, b: Term, loc: Location): void {
    const before = this.errors.length;
    const typeA = this.typeOf(env, a);
    const typeB = this.typeOf(env, b);
    if (this.unify2(env, a, typeA, b, typeB)) return;
    if (this.errors.length > before && (hasUnknown(typeA) || hasUnknown(typeB))) return;
    this.errors.push(new RegoError('rego_type_error', `match error\n\tleft  : ${typeText(typeA)}\n\tright : ${typeText(typeB)}`, [loc]));
  }

  private unify2(env: Env, a: Term, typeA: T, b: Term, typeB: T): boolean {
    const unknownA = hasUnknown(typeA);
    const unknownB = hasUnknown(typeB);
    if (unknownA && !unknownB) return this.unify1(env, a, typeB, false);
    if (unknownB && !unknownA) return this.unify1(env, b, typeA, false);
    if (!unknownA && !unknownB) return unifies(typeA, typeB);
    if (a.type === 'array' && b.type === 'array') {
      return a.items.length !== b.items.length || a.items.every((item, i) => this.unify2(env, item, this.typeOf(env, item), b.items[i]!, this.typeOf(env, b.items[i]!)));
    }
    if (a.type === 'var' || b.type === 'var') {
      const [v, other] = a.type === 'var' ? [a, b] : [b, a];
      this.unify1(env, other, ANY, false);
      return this.unify1(env, v, this.typeOf(env, other), false);
    }
    // Shapes OPA would reject as unknown never appear here; stay silent rather than guess.
    return true;
  }

  /** OPA's unify1: can `term` take a value of `type`; binds unbound variables to it. */
  private unify1(env: Env, term: Term, type: T, union: boolean): boolean {
    switch (term.type) {
      case 'var': {
        if (term.slot === undefined || term.slot < 0) return unifies(this.typeOf(env, term), type);
        const exist = env.vars.get(term.slot);
        if (union) env.vars.set(term.slot, or(exist, type));
        else if (exist !== undefined) return unifies(exist, type);
        else env.vars.set(term.slot, type);
        return true;
      }
      case 'array':
      case 'object':
      case 'set': {
        if (type?.k === 'any') {
          if (type.of.length === 0) {
            for (const part of parts(term)) this.unify1(env, part, ANY, true);
            return true;
          }
          let ok = false;
          for (const alternative of type.of) ok = this.unify1(env, term, alternative, true) || ok;
          return ok;
        }
        if (term.type === 'array') {
          if (type?.k !== 'array' || (term.items.length !== type.items.length && type.dynamic === undefined)) return false;
          return term.items.every((item, i) => this.unify1(env, item, i < type.items.length ? type.items[i] : type.dynamic, union));
        }
        if (term.type === 'set') return type?.k === 'set' && term.items.every((item) => this.unify1(env, item, type.of, union));
        if (type?.k !== 'object' || (term.entries.length !== type.props.length && type.dynamic === undefined)) return false;
        return term.entries.every(([key, value]) => {
          const constant = constantOf(key);
          if (constant === undefined) return this.unify1(env, value, ANY, union) || true;
          const child = select(type, constant);
          return child !== undefined && this.unify1(env, value, child, union);
        });
      }
      case 'call': {
        const result = this.typeOf(env, term);
        // A nested call that failed its own check leaves its output unknown (as OPA's rewritten
        // output variable): no second error for it.
        return result === undefined || unifies(result, type);
      }
      default:
        return unifies(this.typeOf(env, term), type);
    }
  }

  /** The static type of a term; refs, calls and comprehensions are checked (once) on the way. */
  private typeOf(env: Env, term: Term): T {
    switch (term.type) {
      case 'scalar':
        return typeOfValue(term.value);
      case 'value':
        return typeOfValue(term.value);
      case 'var':
        if (term.slot === -1) return term.name === 'input' ? (env.input ?? ANY) : ANY;
        return term.slot === undefined ? undefined : env.vars.get(term.slot);
      case 'array': {
        const items = term.items.map((item) => this.typeOf(env, item));
        return items.length === 0 ? arrayOf(ANY) : { k: 'array', items };
      }
      case 'set': {
        let of: T;
        for (const item of term.items) of = or(of, this.typeOf(env, item));
        return setOf(of ?? ANY);
      }
      case 'object': {
        const props: [Scalar, T][] = [];
        let dynamic: [T, T] | undefined;
        for (const [key, value] of term.entries) {
          const constant = constantOf(key);
          const valueType = this.typeOf(env, value);
          if (constant !== undefined && isScalar(constant)) props.push([constant, valueType]);
          else dynamic = [this.typeOf(env, key), valueType];
        }
        return props.length === 0 && dynamic === undefined ? objectOf(ANY, ANY) : object(props, dynamic);
      }
      case 'template':
        for (const part of term.parts) if (typeof part !== 'string') this.typeOf(env, part);
        return STR;
      case 'with':
        for (const w of term.with) this.typeOf(env, w.value);
        this.typeOf(env, term.term);
        return ANY;
      case 'fnref':
        return ANY;
      default:
        break;
    }
    if (env.memo.has(term)) return env.memo.get(term);
    let type: T;
    if (term.type === 'ref') type = this.ref(env, term);
    else if (term.type === 'call') type = this.call(env, term, true);
    else type = this.comprehension(env, term);
    env.memo.set(term, type);
    return type;
  }

  private comprehension(env: Env, term: Extract<Term, { type: 'arraycomp' | 'setcomp' | 'objectcomp' }>): T {
    // OPA checks a closure in an environment of its own: types it gives to variables do not
    // leak out (a `some i` used only in comprehensions is a different `i` in each).
    const typed = new Set(env.vars.keys());
    const before = this.errors.length;
    this.body(env, term.body);
    let type: T;
    if (this.errors.length === before) {
      if (term.type === 'objectcomp') type = objectOf(this.typeOf(env, term.key) ?? ANY, this.typeOf(env, term.value) ?? ANY);
      else type = (term.type === 'arraycomp' ? arrayOf : setOf)(this.typeOf(env, term.head) ?? ANY);
    }
    for (const slot of [...env.vars.keys()]) if (!typed.has(slot)) env.vars.delete(slot);
    return type;
  }

  /**
   * A call: its arguments against the declared types, the result's type. `nested` calls are
   * OPA's rewritten `f(x, __local0__)`: their output is an unknown variable (`???` in `have`).
   */
  private call(env: Env, term: Extract<Term, { type: 'call' }>, nested: boolean): T {
    const before = this.errors.length;
    for (const arg of term.args) if (arg.type !== 'var') this.typeOf(env, arg);
    const signature = this.signature(term.name);
    if (signature === undefined) {
      for (const arg of term.args) this.unify1(env, arg, ANY, false);
      return ANY;
    }
    const { args, result, names } = signature;
    const inputs = term.args.slice(0, args.length);
    const output = term.args[args.length];
    const failed = inputs.findIndex((arg, i) => !this.unify1(env, arg, args[i], false)) >= 0 || (output !== undefined && !this.unify1(env, output, result, false));
    if (!failed) return result;
    const have = term.args.map((arg) => this.typeOf(env, arg));
    if (nested) have.push(undefined);
    if (this.errors.length > before && have.some(hasUnknown)) return undefined;
    const want = [...args, result].map((t, i) => (names ? `${names[i]}: ${typeText(t)}` : typeText(t)));
    this.errors.push(new RegoError('rego_type_error', `${term.name}: invalid argument(s)\n\thave: (${have.map(typeText).join(', ')})\n\twant: (${want.join(', ')})`, [term.loc]));
    return undefined;
  }

  private signature(name: string): { args: T[]; result: T; names?: string[] } | undefined {
    if (name.startsWith('data.')) {
      const node = this.root.find(name.split('.').slice(1));
      const type = node?.hasRules ? this.nodeType(node) : undefined;
      return type?.k === 'function' ? { args: type.args, result: type.result } : undefined;
    }
    const builtin = BUILTIN_TYPES.get(name);
    if (!builtin) return undefined;
    return { args: builtin.args.map(([, t]) => t), result: builtin.result[1], names: [...builtin.args.map(([n]) => n), builtin.result[0]] };
  }

  /** A ref: its head's type, then each step (OPA's checkRef / checkRefLeaf). */
  private ref(env: Env, ref: Extract<Term, { type: 'ref' }>): T {
    const head = ref.head;
    if (head.type === 'var' && head.slot === -1) {
      if (head.name === 'input') return this.leaf(env, ref, env.input ?? ANY, 0);
      return this.dataRef(env, ref);
    }
    if (head.type === 'var') {
      if (head.slot === undefined) return ANY;
      let type = env.vars.get(head.slot);
      if (type === undefined) env.vars.set(head.slot, (type = ANY));
      return this.leaf(env, ref, type, 0);
    }
    this.typeOf(env, head);
    return this.leaf(env, ref, ANY, 0);
  }

  private dataRef(env: Env, ref: Extract<Term, { type: 'ref' }>): T {
    const path = ref.path;
    for (const schema of env.data) {
      if (schema.path.every((key, i) => constantOf(path[i] ?? { type: 'var', name: '', loc: ref.loc }) === key)) return this.leaf(env, ref, schema.type, schema.path.length);
    }
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const key = constantOf(path[i]!);
      if (typeof key !== 'string') return this.leaf(env, ref, ANY, i);
      const child = node.children.get(key);
      if (!child) return this.leaf(env, ref, ANY, i + 1);
      // Rules at a path with rules below it (`p[x] := 1` beside `p.q := 2`) merge in OPA's type
      // tree; not modelled here, so such a path is `any`.
      if (child.hasRules) return child.isFunction || child.children.size > 0 ? ANY : this.leaf(env, ref, this.nodeType(child) ?? ANY, i + 1);
      node = child;
    }
    return ANY;
  }

  /** Steps `ref.path[from..]` through `type`; reports a step the type cannot take. */
  private leaf(env: Env, ref: Extract<Term, { type: 'ref' }>, type: T, from: number): T {
    for (let i = from; i < ref.path.length; i++) {
      if (type === undefined) return undefined;
      const step = ref.path[i]!;
      const keyType = keys(type);
      if (keyType === undefined) {
        this.errors.push(refErrorUnsupported(ref, i, type));
        return undefined;
      }
      const constant = constantOf(step);
      if (constant !== undefined && isScalar(constant)) {
        const child = select(type, constant);
        if (child === undefined) {
          this.errors.push(refErrorInvalid(ref, i, undefined, keyType, type));
          return undefined;
        }
        type = child;
        continue;
      }
      if (step.type === 'var' && step.slot !== undefined && step.slot >= 0) {
        const exist = env.vars.get(step.slot);
        if (exist === undefined) env.vars.set(step.slot, keyType);
        else if (!unifies(exist, keyType)) {
          this.errors.push(refErrorInvalid(ref, i, exist, keyType, type));
          return undefined;
        }
      } else if (step.type === 'array' || step.type === 'object' || step.type === 'set' || step.type === 'value') {
        if (!this.unify1(env, step, keyType, false)) {
          this.errors.push(refErrorInvalid(ref, i, this.typeOf(env, step), keyType, undefined));
          return undefined;
        }
      } else {
        const stepType = this.typeOf(env, step);
        if (stepType !== undefined && !unifies(stepType, keyType)) {
          this.errors.push(refErrorInvalid(ref, i, stepType, keyType, type));
          return undefined;
        }
      }
      type = values(type);
    }
    return type;
  }
}

/** OPA's mergeTypes: two objects with only dynamic parts merge those; anything else is a union. */
function merge(a: T, b: T): T {
  if (a?.k === 'object' && b?.k === 'object' && a.props.length === 0 && b.props.length === 0 && a.dynamic && b.dynamic) {
    return objectOf(or(a.dynamic[0], b.dynamic[0]), merge(a.dynamic[1], b.dynamic[1]));
  }
  return or(a, b);
}

function setOrUnknown(of: T): T {
  return of === undefined ? undefined : setOf(of);
}

/** `input` typed by a schema at a nested path (`input.request` in METADATA): that path replaced. */
function withPath(base: T, path: string[], type: Type): Type {
  if (path.length === 0) return type;
  const [key, ...rest] = path;
  if (base?.k === 'object') {
    const props = base.props.filter(([k]) => k !== key);
    const child = base.props.find(([k]) => k === key)?.[1];
    return { ...base, props: [...props, [key!, withPath(child, rest, type)] as [string, T]].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)) };
  }
  return { k: 'object', props: [[key!, withPath(undefined, rest, type)]], dynamic: [ANY, ANY] };
}

function parts(term: Extract<Term, { type: 'array' | 'object' | 'set' }>): Term[] {
  return term.type === 'object' ? term.entries.flatMap(([k, v]) => [k, v]) : term.items;
}

function varSlots(term: Term): number[] {
  switch (term.type) {
    case 'var':
      return term.slot !== undefined && term.slot >= 0 ? [term.slot] : [];
    case 'array':
    case 'set':
      return term.items.flatMap(varSlots);
    case 'object':
      return term.entries.flatMap(([k, v]) => [...varSlots(k), ...varSlots(v)]);
    default:
      return [];
  }
}

function constantOf(term: Term): Value | undefined {
  return term.type === 'scalar' || term.type === 'value' ? term.value : undefined;
}

function isScalar(value: Value): value is Scalar {
  return value === null || typeof value !== 'object';
}

function byLocation(a: RegoError, b: RegoError): number {
  const x = a.locations[0];
  const y = b.locations[0];
  if (!x || !y) return 0;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.row - y.row || x.col - y.col;
}
