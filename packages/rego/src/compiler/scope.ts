/**
 * Name resolution and frame slots.
 *
 * Every variable of a rule (or query) gets a slot in one flat frame, so evaluation reads and
 * writes an array instead of looking names up. Nested bodies (comprehensions, `every`, `and`/`or`
 * operands) open a scope: names declared there (`some`, `:=`, `every k, v`) get fresh slots; other
 * names refer to the enclosing scope when it uses them (closures), as OPA's local-var rewriting does.
 *
 * Names that are not variables are rewritten here too: a rule of the same package (`p` ->
 * `data.pkg.p`), an import alias (`users` -> `data.users` or `input.users`), and call targets.
 */
import type { Body, Expr, Term, VarTerm, CallTerm, With } from '../ast.ts';
import { RegoError } from '../errors.ts';
import { foldConstant } from './constants.ts';
import { hoistNegation } from './negation.ts';
import { walkBody } from './walk.ts';
import type { Location } from '../errors.ts';

export interface NameContext {
  /** Package path segments (after `data`). */
  pkg: string[];
  /** First segments of the package's rule heads. */
  ruleNames: Set<string>;
  /** Import aliases -> full ref (`data.x.y` / `input.z`) as segments. */
  imports: Map<string, Term>;
  /** Arity of a built-in or user function (`count`, `data.lib.f`); undefined if none exists. */
  arityOf: (name: string) => number | undefined;
  /** `data.` paths of rules written `f() := v`: a call `f()` reads the rule. */
  zeroArgRules: ReadonlySet<string>;
  /**
   * How `not` is compiled (compiler/negation.ts): `hoist` moves call and ref arguments out of the
   * negation as OPA does; `keep` (`import future.keywords.not`) negates the whole expression.
   * `equalsIsUnify`: modules treat `==` as `=` first (OPA's RewriteEquals), queries do not.
   */
  negation: { mode: 'hoist' | 'keep'; equalsIsUnify: boolean };
}

export class Frame {
  size = 0;
  alloc(): number {
    return this.size++;
  }
}

export class Scope {
  readonly vars = new Map<string, number>();
  /** Outer slots this scope (and its children) read: a closure's inputs for safety ordering. */
  readonly captured = new Set<number>();
  constructor(
    readonly frame: Frame,
    readonly parent?: Scope,
  ) {}

  lookup(name: string): { slot: number; scope: Scope } | undefined {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const slot = scope.vars.get(name);
      if (slot !== undefined) return { slot, scope };
    }
    return undefined;
  }

  declare(name: string): number {
    const slot = this.frame.alloc();
    if (name !== '_') this.vars.set(name, slot);
    return slot;
  }

  /** Slots of this scope and all enclosing ones (bound or bindable before a nested body runs). */
  allSlots(): Set<number> {
    const slots = new Set<number>();
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) for (const slot of scope.vars.values()) slots.add(slot);
    return slots;
  }
}

const ROOTS = new Set(['data', 'input']);

export class Resolver {
  /** Constants for `rego.metadata.rule()` / `.chain()` in the rule being resolved. */
  metadata: { rule: Term; chain: Term } | undefined;

  constructor(readonly names: NameContext) {}

  /**
   * Resolves a body in `scope`. Names used plainly anywhere in it are declared first, so that a
   * closure (comprehension, `every`) sees an outer name the body binds later, as in OPA where all
   * vars of a body are its own. Names declared with `some`, `:=` or `some .. in` count only from
   * their declaration on (OPA's rewriteLocalVars walks in order): a comprehension written before
   * `some x` keeps its own `x`.
   */
  body(written: Body, scope: Scope, declared: Set<string> = new Set()): Body {
    const body = written.map((expr) => this.operatorCallForm(expr));
    const later = new Set<string>();
    for (const expr of body) declaredNames(expr, (v) => later.add(v.name));
    for (const expr of body) this.useDirectExpr(expr, scope, later);
    const someSlots: number[] = [];
    const resolved = body.map((expr) => {
      this.declareExpr(expr, scope, declared, someSlots);
      return this.expr(expr, scope);
    });
    if (someSlots.length > 0) localizeClosureOnly(resolved, someSlots);
    if (this.names.negation.mode === 'keep' || !resolved.some((expr) => expr.kind === 'not')) return resolved;
    const context = {
      equalsIsUnify: this.names.negation.equalsIsUnify,
      fresh: (loc: Location): VarTerm => {
        const slot = scope.frame.alloc();
        return { type: 'var', name: `$${slot}`, loc, slot };
      },
    };
    return resolved.flatMap((expr) => (expr.kind === 'not' ? hoistNegation(expr, context) : [expr]));
  }

  /**
   * `eq(a, b)` and `assign(x, v)` written as calls are `a = b` and `x := v` (OPA parses both
   * forms to the same expression), unless the package defines a function of that name.
   */
  private operatorCallForm(expr: Expr): Expr {
    if (expr.kind === 'not') {
      const inner = this.operatorCallForm(expr.expr);
      return inner === expr.expr ? expr : { ...expr, expr: inner };
    }
    if (expr.kind !== 'term' || expr.term.type !== 'call' || expr.term.infix || expr.term.args.length !== 2) return expr;
    const { name, args } = expr.term;
    if ((name !== 'eq' && name !== 'assign') || this.callName(name) !== name) return expr;
    return { loc: expr.loc, with: expr.with, kind: 'unify', lhs: args[0]!, rhs: args[1]!, assign: name === 'assign' };
  }

  /** Declares what an expression declares (`some`, `:=`, `some .. in`) when the walk reaches it. */
  private declareExpr(expr: Expr, scope: Scope, declared: Set<string>, someSlots: number[]): void {
    declaredNames(expr, (v, kind) => {
      if (v.name === '_' || ROOTS.has(v.name)) return;
      if (declared.has(v.name)) throw new RegoError('rego_compile_error', `var ${v.name} assigned above`, [v.loc]);
      declared.add(v.name);
      const slot = scope.frame.alloc();
      scope.vars.set(v.name, slot);
      if (kind === 'some') someSlots.push(slot);
    });
  }

  /** Pre-declares the names an expression uses plainly (not those `later` declares). */
  private useDirectExpr(expr: Expr, scope: Scope, later: Set<string>): void {
    const use = (term: Term): void => this.useDirect(term, scope, later);
    switch (expr.kind) {
      case 'unify':
        if (!expr.assign) use(expr.lhs);
        use(expr.rhs);
        return;
      case 'term':
        use(expr.term);
        return;
      case 'not':
        this.useDirectExpr(expr.expr, scope, later);
        return;
      case 'every':
        use(expr.domain);
        return;
      default:
        return;
    }
  }

  /** Names used in a term outside nested bodies: local unless an enclosing scope has them. */
  useDirect(term: Term, scope: Scope, later?: Set<string>): void {
    walkDirect(term, (v) => {
      if (v.name === '_' || ROOTS.has(v.name) || later?.has(v.name) || scope.lookup(v.name)) return;
      if (this.names.ruleNames.has(v.name) || this.names.imports.has(v.name)) return;
      scope.vars.set(v.name, scope.frame.alloc());
    });
  }

  expr(expr: Expr, scope: Scope): Expr {
    const base = { loc: expr.loc, with: this.withs(expr.with, scope) };
    switch (expr.kind) {
      case 'term':
        return { ...base, kind: 'term', term: this.term(expr.term, scope) };
      case 'unify':
        return { ...base, kind: 'unify', lhs: this.term(expr.lhs, scope), rhs: this.term(expr.rhs, scope), assign: expr.assign };
      case 'not':
        return { ...base, kind: 'not', expr: this.expr(expr.expr, scope) };
      case 'some':
        return { ...base, kind: 'some', vars: expr.vars.map((v) => this.term(v, scope) as VarTerm) };
      case 'somein': {
        const domain = this.term(expr.domain, scope);
        const value = this.term(expr.value, scope);
        return expr.key ? { ...base, kind: 'somein', key: this.term(expr.key, scope), value, domain } : { ...base, kind: 'somein', value, domain };
      }
      case 'every': {
        const domain = this.term(expr.domain, scope);
        const inner = new Scope(scope.frame, scope);
        const declared = new Set<string>();
        for (const t of [expr.key, expr.value]) if (t) for (const v of patternVars(t)) if (v.name !== '_') inner.vars.set(v.name, inner.frame.alloc());
        for (const t of [expr.key, expr.value]) if (t) for (const v of patternVars(t)) declared.add(v.name);
        const key = expr.key ? this.term(expr.key, inner) : undefined;
        const value = this.term(expr.value, inner);
        const body = this.body(expr.body, inner, declared);
        const closure = this.capture(inner, scope);
        return key ? { ...base, kind: 'every', key, value, domain, body, closure } : { ...base, kind: 'every', value, domain, body, closure };
      }
      case 'and':
      case 'or': {
        const closure: number[] = [];
        const operands = expr.operands.map((operand) => {
          const inner = new Scope(scope.frame, scope);
          const body = this.body(operand, inner);
          closure.push(...this.capture(inner, scope));
          return body;
        });
        return { ...base, kind: expr.kind, operands, closure };
      }
    }
  }

  /** Propagates the outer slots a nested scope reads to the enclosing scope's closure set. */
  private capture(inner: Scope, outer: Scope): number[] {
    const closure = [...inner.captured].filter((slot) => !ownSlot(inner, slot));
    for (const slot of closure) outer.captured.add(slot);
    return closure;
  }

  term(term: Term, scope: Scope): Term {
    switch (term.type) {
      case 'scalar':
      case 'fnref':
      case 'value':
        return term;
      case 'var':
        return this.variable(term, scope);
      case 'ref': {
        const path = term.path.map((part) => this.term(part, scope));
        const head = this.term(term.head, scope);
        if (head.type === 'ref') return { ...term, head: head.head, path: [...head.path, ...path] };
        return { ...term, head, path };
      }
      case 'array':
      case 'set':
        return foldConstant({ ...term, items: term.items.map((item) => this.term(item, scope)) });
      case 'object':
        return foldConstant({ ...term, entries: term.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)] as [Term, Term]) });
      case 'call':
        return this.call(term, scope);
      case 'template':
        return { ...term, parts: term.parts.map((part) => (typeof part === 'string' ? part : this.term(part, scope))) };
      case 'with':
        return { ...term, term: this.term(term.term, scope), with: this.withs(term.with, scope) };
      case 'arraycomp':
      case 'setcomp': {
        const inner = new Scope(scope.frame, scope);
        const body = this.body(term.body, inner);
        this.useDirect(term.head, inner);
        const head = this.term(term.head, inner);
        return { ...term, head, body, closure: this.capture(inner, scope) };
      }
      case 'objectcomp': {
        const inner = new Scope(scope.frame, scope);
        const body = this.body(term.body, inner);
        const key = this.term(term.key, inner);
        const value = this.term(term.value, inner);
        return { ...term, key, value, body, closure: this.capture(inner, scope) };
      }
    }
  }

  private variable(term: VarTerm, scope: Scope): Term {
    if (ROOTS.has(term.name)) return { ...term, slot: -1 };
    if (term.name === '_') return { ...term, slot: scope.frame.alloc() };
    const found = scope.lookup(term.name);
    if (found) {
      if (found.scope !== scope) scope.captured.add(found.slot);
      return { ...term, slot: found.slot };
    }
    const imported = this.names.imports.get(term.name);
    if (imported) return { ...imported, loc: term.loc };
    if (this.names.ruleNames.has(term.name)) return this.packageRef(term.name, term.loc);
    return { ...term, slot: scope.declare(term.name) };
  }

  packageRef(name: string, loc: Location): Term {
    const path: Term[] = [...this.names.pkg, name].map((segment) => ({ type: 'scalar', value: segment, loc }));
    return { type: 'ref', head: { type: 'var', name: 'data', loc, slot: -1 }, path, loc };
  }

  /** Call names: package functions and import aliases become `data.` paths; others are built-ins. */
  callName(name: string): string {
    const [first, ...rest] = name.split('.');
    const imported = this.names.imports.get(first!);
    if (imported) return [refText(imported), ...rest].join('.');
    const local = ['data', ...this.names.pkg, name].join('.');
    // A rule named like a built-in namespace (`time := ...`) does not hide `time.now_ns()`.
    if (this.names.ruleNames.has(first!) && (this.names.arityOf(local) !== undefined || this.names.arityOf(name) === undefined)) return local;
    return name;
  }

  private call(term: CallTerm, scope: Scope): Term {
    const name = term.infix ? term.name : this.callName(term.name);
    if (this.metadata && term.args.length === 0 && (name === 'rego.metadata.rule' || name === 'rego.metadata.chain')) {
      return name === 'rego.metadata.rule' ? this.metadata.rule : this.metadata.chain;
    }
    if (term.args.length === 0 && this.names.zeroArgRules.has(name)) {
      const [, ...path] = name.split('.');
      return { type: 'ref', head: { type: 'var', name: 'data', loc: term.loc, slot: -1 }, path: path.map((key) => ({ type: 'scalar', value: key, loc: term.loc })), loc: term.loc };
    }
    if (name !== 'print') {
      const arity = this.names.arityOf(name);
      if (arity === undefined) throw new RegoError('rego_type_error', `undefined function ${name}`, [term.loc]);
      // One extra argument is the output (`count(xs, n)`), as in OPA.
      if (term.args.length !== arity && term.args.length !== arity + 1) {
        throw new RegoError('rego_type_error', `${name}: arity mismatch: have ${term.args.length} arguments, want ${arity}`, [term.loc]);
      }
    }
    const args = term.args.map((arg) => this.term(arg, scope));
    return { ...term, name, args };
  }

  private withs(withs: With[], scope: Scope): With[] {
    return withs.map((w) => ({ ...w, target: this.withTarget(w.target, scope), value: this.withValue(w.value, scope) }));
  }

  /** A `with` value naming a function (`with count as my_count`) replaces the function. */
  private withValue(value: Term, scope: Scope): Term {
    const name = refText(value);
    if (name !== undefined && !scope.lookup(name.split('.')[0]!)) {
      const resolved = this.callName(name);
      if (this.names.arityOf(resolved) !== undefined) return { type: 'fnref', name: resolved, loc: value.loc };
    }
    return this.term(value, scope);
  }

  /**
   * `with` targets resolve like any other name (OPA runs ResolveRefs first): `input...` and
   * `data...` refs, an import alias (`cfg.prefix` -> `data.cfg.prefix`), a rule of this package
   * (`local` -> `data.pkg.local`), or a function (built-in or user), which becomes its name.
   * Anything else is a compile error, never a modifier silently ignored.
   */
  private withTarget(target: Term, scope: Scope): Term {
    const head = target.type === 'var' ? target : target.type === 'ref' ? target.head : undefined;
    const invalid = (): never => {
      throw new RegoError('rego_type_error', 'with keyword target must reference existing input, data, or a function', [target.loc]);
    };
    if (head?.type !== 'var' || head.name === '_' || scope.lookup(head.name)) return invalid();
    const rest = target.type === 'ref' ? target.path : [];
    let resolved: Term;
    if (ROOTS.has(head.name)) resolved = { ...head, slot: -1 };
    else if (this.names.imports.has(head.name)) resolved = this.names.imports.get(head.name)!;
    else if (this.names.ruleNames.has(head.name) && !this.isFunction(this.callName(head.name))) resolved = this.packageRef(head.name, head.loc);
    else {
      // A function, named as written (`count`, `f`, `lib.f` through an import, `data.lib.f`).
      const name = refText(target);
      if (name === undefined || this.names.arityOf(this.callName(name)) === undefined) return invalid();
      return { type: 'scalar', value: this.callName(name), loc: target.loc };
    }
    const full: Term = rest.length === 0 ? { ...resolved, loc: target.loc } : resolved.type === 'ref' ? { ...resolved, path: [...resolved.path, ...rest], loc: target.loc } : { type: 'ref', head: resolved, path: rest, loc: target.loc };
    // A data ref that names a function (`data.lib.f`) replaces the function.
    const text = refText(full);
    if (text !== undefined && text.startsWith('data.') && this.isFunction(text)) return { type: 'scalar', value: text, loc: target.loc };
    return full;
  }

  /** A callable name that is not a rule written `f() := v` (that one is a plain rule). */
  private isFunction(name: string): boolean {
    return this.names.arityOf(name) !== undefined && !this.names.zeroArgRules.has(name);
  }
}

/** The variables an expression declares: `some x`, `x := ...` patterns, `some k, v in xs` patterns. */
function declaredNames(expr: Expr, visit: (v: VarTerm, kind: 'some' | 'assign') => void): void {
  switch (expr.kind) {
    case 'some':
      for (const v of expr.vars) visit(v, 'some');
      return;
    case 'somein':
      for (const t of [expr.key, expr.value]) if (t) for (const v of patternVars(t)) visit(v, 'assign');
      return;
    case 'unify':
      if (expr.assign) for (const v of patternVars(expr.lhs)) visit(v, 'assign');
      return;
    case 'not':
      declaredNames(expr.expr, visit);
      return;
    default:
      return;
  }
}

/**
 * `some i` declared in a body that never uses `i` itself, only inside comprehensions: OPA drops
 * the declaration, so each comprehension binds `i` on its own. Here the slot stays shared, but
 * no closure lists it as an outer input any more (it is bound inside, not before).
 */
function localizeClosureOnly(body: Body, someSlots: number[]): void {
  const direct = new Set<number>();
  const see = (term: Term): void => walkDirect(term, (v) => v.slot !== undefined && direct.add(v.slot));
  const visit = (expr: Expr): void => {
    for (const w of expr.with) see(w.value);
    switch (expr.kind) {
      case 'term':
        return see(expr.term);
      case 'unify':
        see(expr.lhs);
        return see(expr.rhs);
      case 'not':
        return visit(expr.expr);
      case 'somein':
        for (const t of [expr.key, expr.value, expr.domain]) if (t) see(t);
        return;
      case 'every':
        return see(expr.domain);
      default:
        return;
    }
  };
  body.forEach(visit);
  const inner = new Set(someSlots.filter((slot) => !direct.has(slot)));
  if (inner.size === 0) return;
  const strip = (closure: number[] | undefined): number[] | undefined => closure?.filter((slot) => !inner.has(slot));
  walkBody(body, {
    term: (t) => {
      if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') t.closure = strip(t.closure);
    },
    expr: (e) => {
      if (e.kind === 'every' || e.kind === 'and' || e.kind === 'or') e.closure = strip(e.closure);
    },
  });
}

function ownSlot(scope: Scope, slot: number): boolean {
  for (const own of scope.vars.values()) if (own === slot) return true;
  return false;
}

/** `a.b.c` text of a ref with a var head and name segments. */
export function refText(term: Term): string | undefined {
  if (term.type === 'var') return term.name;
  if (term.type !== 'ref' || term.head.type !== 'var') return undefined;
  const parts = [term.head.name];
  for (const part of term.path) {
    if (part.type !== 'scalar' || typeof part.value !== 'string') return undefined;
    parts.push(part.value);
  }
  return parts.join('.');
}

/** Variables a term binds when used as a unification pattern (not those inside refs or calls). */
export function patternVars(term: Term): VarTerm[] {
  switch (term.type) {
    case 'var':
      return [term];
    case 'array':
      return term.items.flatMap(patternVars);
    case 'object':
      return term.entries.flatMap(([, value]) => patternVars(value));
    default:
      return [];
  }
}

/** Visits the variables of a term, not descending into nested bodies. */
function walkDirect(term: Term, visit: (v: VarTerm) => void): void {
  switch (term.type) {
    case 'var':
      visit(term);
      return;
    case 'ref':
      walkDirect(term.head, visit);
      term.path.forEach((part) => walkDirect(part, visit));
      return;
    case 'array':
    case 'set':
      term.items.forEach((item) => walkDirect(item, visit));
      return;
    case 'object':
      term.entries.forEach(([k, v]) => {
        walkDirect(k, visit);
        walkDirect(v, visit);
      });
      return;
    case 'call':
      term.args.forEach((arg) => walkDirect(arg, visit));
      return;
    case 'template':
      term.parts.forEach((part) => typeof part !== 'string' && walkDirect(part, visit));
      return;
    case 'with':
      walkDirect(term.term, visit);
      term.with.forEach((w) => walkDirect(w.value, visit));
      return;
    default:
      return;
  }
}
