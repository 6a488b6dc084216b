/**
 * The compiler's pass list, in order (compare OPA's compile.go stage list):
 *   1. collect packages, rule names and imports;
 *   2. resolve names and assign frame slots per rule (scope.ts);
 *   3. reorder bodies for safety and report unsafe variables (safety.ts);
 *   4. build the rule tree and check rule kinds agree per path (rule-tree.ts);
 *   5. check recursion (recursion.ts).
 * Queries go through 2-3 against the compiled tree.
 */
import type { Body, Module, Rule, Term, VarTerm } from '../ast.ts';
import { RegoError } from '../errors.ts';
import { Frame, Resolver, Scope, patternVars, refText } from './scope.ts';
import type { NameContext } from './scope.ts';
import { Safety, patternSlots } from './safety.ts';
import { RuleNode } from './rule-tree.ts';
import type { CompiledRule } from './rule-tree.ts';
import { checkRecursion } from './recursion.ts';
import { TypeChecker } from './type-check.ts';
import { ruleSchemaTypes, schemaSetTypes } from './schema-annotations.ts';
import type { SchemaSet } from './schema-annotations.ts';
import type { RuleSchemas } from './type-check.ts';
import { indexAnnotations, jsonTerm, metadataChain, ruleMetadata } from './metadata.ts';
import type { MetadataIndex } from './metadata.ts';

export interface CompiledPolicy {
  root: RuleNode;
  /** Arity of a callable name: built-in or `data.` function path. */
  arityOf: (name: string) => number | undefined;
  /** `data.` paths of rules written as zero-argument functions (`f() := v`): `f()` reads them. */
  zeroArgRules: ReadonlySet<string>;
  /** The type checker, holding the rules' types: queries are checked against them. */
  types: TypeChecker;
}

export interface CompiledQuery {
  body: Body;
  frameSize: number;
  /** Reported variables: name -> slot. */
  vars: [string, number][];
}

export function compileModules(modules: Module[], builtinArity: (name: string) => number | undefined, schemaSet?: SchemaSet): CompiledPolicy {
  const root = new RuleNode([]);
  const functionArity = new Map<string, number>();
  const packageRules = new Map<string, Set<string>>();
  const zeroArgRules = new Set<string>();
  for (const module of modules) {
    const key = module.pkg.join('.');
    const names = packageRules.get(key) ?? new Set<string>();
    packageRules.set(key, names);
    for (const rule of module.rules) {
      const name = refText(rule.head.ref.type === 'ref' ? rule.head.ref.head : rule.head.ref);
      names.add(name!);
      const path = ['data', ...module.pkg, headText(rule)].join('.');
      // OPA: a function without arguments is a plain rule (`f` and `data.pkg.f` are defined).
      if (rule.head.args?.length === 0) {
        for (let branch: Rule | undefined = rule; branch; branch = branch.else) delete branch.head.args;
        zeroArgRules.add(path);
      }
      if (rule.head.args) functionArity.set(path, rule.head.args.length);
    }
  }
  const arityOf = (name: string): number | undefined => functionArity.get(name) ?? (zeroArgRules.has(name) ? 0 : builtinArity(name));

  const metadata = indexAnnotations(modules, (module, rule) => groundPath(module, rule).path);
  const schemas = new Map<CompiledRule, RuleSchemas[]>();
  for (const module of modules) {
    const names: NameContext = {
      pkg: module.pkg,
      ruleNames: packageRules.get(module.pkg.join('.'))!,
      imports: importAliases(module),
      arityOf,
      zeroArgRules,
      negation: { mode: module.notBodies ? 'keep' : 'hoist', equalsIsUnify: true },
    };
    const resolver = new Resolver(names);
    insertPath(root, module.pkg).isPackage = true;
    for (const rule of module.rules) {
      const compiled = compileRule(rule, module, resolver, new Safety(arityOf), metadata);
      const ruleSchemas = ruleSchemaTypes(module, rule, schemaSet);
      for (let branch: CompiledRule | undefined = compiled; branch && ruleSchemas.length > 0; branch = branch.else) schemas.set(branch, ruleSchemas);
      const node = root.find(compiled.path) ?? insertPath(root, compiled.path);
      (compiled.isDefault ? node.defaults : node.rules).push(compiled);
    }
  }
  root.seal();
  checkKinds(root);
  const order = checkRecursion(root);
  const types = new TypeChecker(root, schemaSetTypes(schemaSet), (rule) => schemas.get(rule) ?? []);
  types.checkAll(order);
  if (types.errors.length > 0) throw types.errors[0]!;
  return { root, arityOf, zeroArgRules, types };
}

function insertPath(root: RuleNode, path: string[]): RuleNode {
  let node = root;
  for (const key of path) node = node.child(key);
  return node;
}

function headText(rule: Rule): string {
  return refText(rule.head.ref) ?? '';
}

function importAliases(module: Module): Map<string, Term> {
  const aliases = new Map<string, Term>();
  for (const imp of module.imports) {
    const text = refText(imp.path);
    if (!text || text.startsWith('future.') || text.startsWith('rego.')) continue;
    const segments = text.split('.');
    const alias = imp.alias ?? segments[segments.length - 1]!;
    const head: VarTerm = { type: 'var', name: segments[0]!, loc: imp.loc, slot: -1 };
    const path: Term[] = segments.slice(1).map((segment) => ({ type: 'scalar', value: segment, loc: imp.loc }));
    aliases.set(alias, path.length === 0 ? head : { type: 'ref', head, path, loc: imp.loc });
  }
  return aliases;
}

/** The ground part of a rule's path: package, head name, then leading string segments. */
function groundPath(module: Module, rule: Rule): { path: string[]; restStart: number } {
  const ref = rule.head.ref;
  const path = [...module.pkg, (ref.type === 'ref' ? (ref.head as VarTerm) : ref).name];
  const parts = ref.type === 'ref' ? ref.path : [];
  let restStart = 0;
  for (; restStart < parts.length; restStart++) {
    const part = parts[restStart]!;
    if (part.type !== 'scalar' || typeof part.value !== 'string') break;
    path.push(part.value);
  }
  return { path, restStart };
}

function compileRule(rule: Rule, module: Module, resolver: Resolver, safety: Safety, metadata: MetadataIndex, frame = new Frame()): CompiledRule {
  const head = rule.head;
  const scope = new Scope(frame);
  const { path, restStart } = groundPath(module, rule);
  resolver.metadata = {
    rule: jsonTerm(ruleMetadata(rule), rule.loc),
    chain: jsonTerm(metadataChain(metadata, rule, path, module.pkg), rule.loc),
  };
  // Function arguments are patterns bound at call time.
  // A template string argument (`f($"{x}")`) is not a pattern: it becomes a fresh parameter
  // compared at the end of the body, once its variables are bound (string-interpolation cases).
  const extra: Body = [];
  const params = head.args?.map((arg, i): Term => {
    if (arg.type !== 'template') return arg;
    const param: VarTerm = { type: 'var', name: `$arg${i}`, loc: arg.loc };
    extra.push({ kind: 'unify', lhs: param, rhs: arg, assign: false, loc: arg.loc, with: [] });
    return param;
  });
  const args = params?.map((arg) => {
    for (const v of patternVars(arg)) if (v.name !== '_' && !scope.vars.has(v.name)) scope.vars.set(v.name, frame.alloc());
    return resolver.term(arg, scope);
  });
  // OPA's RewriteRefsInHead: a key or value that needs evaluation (refs, calls, comprehensions)
  // is computed at the end of the body, so its ref variables bind like the body's
  // (`common[k] := input.files[k].common if some k`).
  const headKey = rule.isDefault ? head.key : moveToBody(head.key, '$key', extra);
  const headValue = rule.isDefault ? head.value : moveToBody(head.value, '$value', extra);
  const body = resolver.body([...rule.body, ...extra], scope);
  const refPath = head.ref.type === 'ref' ? head.ref.path : [];
  if (head.args && restStart < refPath.length) throw new RegoError('rego_parse_error', 'function heads must be simple references', [rule.loc]);
  for (const term of refPath.slice(restStart)) resolver.useDirect(term, scope);
  const rest = refPath.slice(restStart).map((term) => resolver.term(term, scope));
  if (headKey) resolver.useDirect(headKey, scope);
  const key = headKey ? resolver.term(headKey, scope) : undefined;
  if (headValue) resolver.useDirect(headValue, scope);
  const value = headValue ? resolver.term(headValue, scope) : ({ type: 'scalar', value: true, loc: rule.loc } as Term);

  const bound = new Set(args?.flatMap(patternSlots) ?? []);
  if (rule.isDefault) {
    for (const term of [value, ...(args ?? [])]) if (term.type !== 'scalar') assertNoVars(term, rule);
  }
  const ordered = safety.reorder(body, bound);
  for (const term of [...rest, ...(key ? [key] : []), value]) safety.check(term, ordered.bound);

  const compiled: CompiledRule = {
    kind: head.args ? 'function' : head.key ? 'set' : 'value',
    path,
    rest,
    value,
    body: ordered.body,
    isDefault: rule.isDefault,
    frameSize: 0,
    loc: rule.loc,
  };
  if (args) compiled.args = args;
  if (key) compiled.key = key;
  if (rule.else) compiled.else = compileRule(rule.else, module, resolver, safety, metadata, frame);
  compiled.frameSize = frame.size;
  return compiled;
}

/** Replaces a head term that needs evaluation by a fresh variable bound at the end of the body. */
function moveToBody(term: Term | undefined, name: string, body: Body): Term | undefined {
  if (term === undefined || !needsEvaluation(term)) return term;
  const v: VarTerm = { type: 'var', name, loc: term.loc };
  body.push({ kind: 'unify', lhs: v, rhs: term, assign: false, loc: term.loc, with: [] });
  return v;
}

/** A term with a ref, call, comprehension or template in it (OPA's requiresEval). */
function needsEvaluation(term: Term): boolean {
  switch (term.type) {
    case 'ref':
    case 'call':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
    case 'template':
      return true;
    case 'array':
    case 'set':
      return term.items.some(needsEvaluation);
    case 'object':
      return term.entries.some(([k, v]) => needsEvaluation(k) || needsEvaluation(v));
    default:
      return false;
  }
}

function assertNoVars(term: Term, rule: Rule): void {
  const vars = patternVars(term).filter((v) => v.name !== '_');
  if (vars.length > 0 && rule.head.args === undefined) {
    throw new RegoError('rego_compile_error', 'default rule value cannot contain variables', [rule.loc]);
  }
}

/** Complete, partial and function rules cannot share a path (OPA: rego_type_error conflicting rules). */
function checkKinds(root: RuleNode): void {
  for (const node of root.walk()) {
    const all = [...node.rules, ...node.defaults];
    const kinds = new Set(all.map((rule) => (rule.kind === 'value' && rule.rest.length > 0 ? 'object' : rule.kind)));
    if (kinds.size > 1 && !(kinds.size === 2 && kinds.has('object') && kinds.has('value') && node.rules.every((r) => r.rest.length > 0))) {
      const rule = all[0]!;
      throw new RegoError('rego_type_error', `conflicting rules data.${node.path.join('.')} found`, [rule.loc]);
    }
    if (node.defaults.length > 1) {
      throw new RegoError('rego_type_error', `multiple default rules data.${node.path.join('.')} found`, [node.defaults[1]!.loc]);
    }
  }
}

export function compileQuery(body: Body, policy: CompiledPolicy, names: NameContext): CompiledQuery {
  const frame = new Frame();
  const scope = new Scope(frame);
  const resolver = new Resolver(names);
  const resolved = resolver.body(body, scope);
  const ordered = new Safety(policy.arityOf).reorder(resolved, new Set());
  const errors = policy.types.checkQuery(ordered.body);
  if (errors.length > 0) throw errors[0]!;
  const vars = [...scope.vars.entries()].filter(([name]) => name !== '_');
  return { body: ordered.body, frameSize: frame.size, vars };
}
