/**
 * Modules: `package`, `import`, and rules (complete, `contains`, ref heads, functions, `default`,
 * `else` chains, `if` bodies). `import rego.v1` and `import future.keywords.*` are accepted as no-ops,
 * except the experimental `future.keywords.and` / `.or`, which switch those keywords on.
 */
import type { Body, Import, Module, RefTerm, Rule, RuleHead, Term, VarTerm } from '../ast.ts';
import { Cursor, KEYWORDS, describe } from './cursor.ts';
import { parseBody, parseExpr, parseQuery } from './exprs.ts';
import { tokenize } from './lexer.ts';
import type { Comment, Token } from './lexer.ts';
import { readAnnotations } from './annotations.ts';
import { parsePostfix, parseTerm, refName } from './terms.ts';

interface ParseOptions {
  /** Allow `import future.keywords.and` / `.or` (OPA's experimental keywords). */
  experimentalKeywords?: boolean;
  /** Term nesting limit. */
  maxDepth?: number;
  /** Rego v0 syntax (OPA's --v0-compatible), unless a module imports rego.v1. */
  v0Compatible?: boolean;
}

export function parseModule(file: string, source: string, options: ParseOptions = {}): Module {
  const comments: Comment[] = [];
  const p = new Cursor(file, tokenize(file, source, 0, undefined, comments), source, options.maxDepth);
  p.v0 = options.v0Compatible === true;
  if (!p.isKeyword('package')) p.fail(p.peek(), `unexpected ${describe(p.peek())}, expected package`);
  const pkgToken = p.next();
  const pkg = packagePath(p, pkgToken, parsePostfix(p));
  const module: Module = { file, pkg, pkgLoc: p.loc(pkgToken), imports: [], rules: [], keywords: p.keywords, notBodies: false, v0: false, annotations: [] };
  while (p.isKeyword('import')) module.imports.push(parseImport(p, options));
  module.notBodies = p.notBody;
  module.v0 = p.v0;
  while (p.peek().kind !== 'eof') {
    if (p.isKeyword('import')) p.fail(p.peek(), 'imports must come before rules');
    module.rules.push(...parseRule(p));
  }
  if (comments.some((c) => c.text.trim() === 'METADATA')) attachAnnotations(module, comments);
  return module;
}

/** `package a.b["c-d"]`: a var, then any string segments (OPA: "expecting string"). */
function packagePath(p: Cursor, token: Token, term: Term): string[] {
  if (term.type === 'var') return [term.name];
  if (term.type !== 'ref' || term.head.type !== 'var') return p.fail(token, 'package must be a simple reference');
  return [
    term.head.name,
    ...term.path.map((part) => {
      if (part.type !== 'scalar' || typeof part.value !== 'string') return p.fail(token, `unexpected ${part.type === 'scalar' ? typeof part.value : part.type} token: expecting string`);
      return part.value;
    }),
  ];
}

/** Attaches METADATA blocks to the package clause or the rule that follows each. */
function attachAnnotations(module: Module, comments: Comment[]): void {
  const rows = [module.pkgLoc.row, ...module.rules.map((rule) => rule.loc.row)];
  for (const annotation of readAnnotations(module.file, comments, rows)) {
    const onPackage = annotation.targetRow === module.pkgLoc.row;
    const value = { scope: onPackage ? 'package' : 'rule', ...annotation.value };
    if (onPackage) module.annotations.push(value);
    else {
      const rule = module.rules.find((r) => r.loc.row === annotation.targetRow)!;
      (rule.annotations ??= []).push(value);
    }
  }
}

export function parseQueryText(source: string, file = 'query'): Body {
  return parseQuery(new Cursor(file, tokenize(file, source), source));
}

function parseImport(p: Cursor, options: ParseOptions): Import {
  const loc = p.loc(p.next());
  const pathToken = p.peek();
  const path = parsePostfix(p);
  const name = refName(path);
  if (name === undefined || !/^(data|input|future|rego)(\.|$)/.test(name)) p.fail(p.peek(), 'invalid import path');
  let alias: string | undefined;
  if (p.isKeyword('as')) {
    p.next();
    const token = p.next();
    if (token.kind !== 'ident') p.fail(token, 'expected an alias name');
    alias = token.text;
  }
  if (name === 'future.keywords.not' || name === 'future.keywords') p.notBody = true;
  // In v0, `import rego.v1` asks for v1 syntax in this module (OPA: RegoV0CompatV1).
  if (name === 'rego.v1') p.v0 = false;
  if (name === 'future.keywords.and' || name === 'future.keywords.or' || name === 'future.keywords') {
    // OPA reports this at the import path, with the keywords it does allow.
    if (!options.experimentalKeywords && name !== 'future.keywords') p.fail(pathToken, 'unexpected keyword, must be one of [contains every if in not]');
    if (name !== 'future.keywords') p.keywords.add(name.slice('future.keywords.'.length));
  }
  return alias === undefined ? { path, loc } : { path, alias, loc };
}

/** One rule, or several when bodies are chained (`p if { a } { b }`: two rules with one head). */
function parseRule(p: Cursor): Rule[] {
  const start = p.peek();
  const loc = p.loc(start);
  const isDefault = p.isKeyword('default');
  if (isDefault) p.next();
  const head = parseHead(p);
  const rule: Rule = { head, body: [], isDefault, loc, file: p.file };
  if (isDefault) {
    if (head.value === undefined) p.fail(start, 'default rules must have a value');
    rule.body = [trueExpr(loc)];
    return [rule];
  }
  const written = parseRuleBody(p, head.value === undefined && head.key === undefined);
  rule.body = written?.body ?? [trueExpr(loc)];
  // v0: `p[x] { ... }` (no `if`, no `contains`, no value) is a multi-value rule: the set p.
  if (written?.v0 && head.key === undefined && head.value === undefined && head.args === undefined && head.ref.type === 'ref' && head.ref.path.length === 1) {
    head.key = head.ref.path[0]!;
    head.ref = head.ref.head as VarTerm;
  }
  let tail = rule;
  // Each `else` nests a rule inside the one before (the compiler recurses along the chain), so
  // it counts toward the parser's depth limit; 20,000 of them overflowed the compiler's stack.
  let elses = 0;
  while (p.isKeyword('else')) {
    if (head.key) p.fail(p.peek(), 'else keyword cannot be used on multi-value rules');
    p.enter();
    elses += 1;
    const elseLoc = p.loc(p.next());
    let value: Term = { type: 'scalar', value: true, loc: elseLoc };
    if (p.is(':=') || p.is('=')) {
      p.next();
      value = parseTerm(p);
    }
    const body = parseRuleBody(p, false)?.body ?? [trueExpr(elseLoc)];
    const elseRule: Rule = { head: { ...head, value, assign: true }, body, isDefault: false, loc: elseLoc, file: p.file };
    tail.else = elseRule;
    tail = elseRule;
  }
  for (; elses > 0; elses -= 1) p.leave();
  const rules = [rule];
  // OPA's parseRules: each further `{ body }` after a braced body is a rule with the same head.
  while (p.is('{') && p.tokens[p.pos - 1]?.text === '}' && p.tokens[p.pos - 1]?.kind === 'punct') {
    if (rule.else) p.fail(p.peek(), 'expected else keyword');
    const chainLoc = p.loc(p.next());
    rules.push({ head, body: parseBody(p, '}'), isDefault: false, loc: chainLoc, file: p.file });
  }
  return rules;
}

function trueExpr(loc: Rule['loc']): Body[number] {
  return { kind: 'term', term: { type: 'scalar', value: true, loc }, loc, with: [] };
}

/**
 * `if { ... }`, `if expr`, or a v0-style `{ ... }` (`v0` set); undefined when the rule has no
 * body.
 */
function parseRuleBody(p: Cursor, requireBody: boolean): { body: Body; v0: boolean } | undefined {
  if (p.isKeyword('if')) {
    p.next();
    if (p.is('{')) {
      p.next();
      return { body: parseBody(p, '}'), v0: false };
    }
    return { body: [parseExpr(p)], v0: false };
  }
  if (p.is('{') && !p.peek().nl) {
    // Rego v1 requires `if` (OPA: "`if` keyword is required before rule body"); such a body is
    // the commonest sign of a v0 code base, so the message names the option.
    if (!p.v0) p.fail(p.peek(), '`if` keyword is required before rule body (Rego v0 syntax: compile with the v0-compatible option, `--v0-compatible`)');
    p.next();
    return { body: parseBody(p, '}'), v0: true };
  }
  if (requireBody && p.peek().kind !== 'eof' && !p.peek().nl) p.fail(p.peek(), `unexpected ${describe(p.peek())}`);
  return undefined;
}

function parseHead(p: Cursor): RuleHead {
  const token = p.peek();
  if (token.kind !== 'ident' || (KEYWORDS.has(token.text) && !p.isNameWithDot())) p.fail(token, `unexpected ${describe(token)}, expected a rule head`);
  let ref = p.barScope(false, () => parsePostfix(p));
  let args: Term[] | undefined;
  if (ref.type === 'call') {
    args = ref.args;
    const name = ref.name.split('.');
    const headVar: VarTerm = { type: 'var', name: name[0]!, loc: ref.loc };
    ref = name.length === 1 ? headVar : { type: 'ref', head: headVar, path: name.slice(1).map((n) => ({ type: 'scalar', value: n, loc: ref.loc })), loc: ref.loc };
  }
  if (ref.type !== 'var' && !(ref.type === 'ref' && ref.head.type === 'var')) p.fail(token, 'invalid rule head');
  const head: RuleHead = { ref: ref as RefTerm | VarTerm, assign: false };
  if (args) head.args = args;
  if (p.isKeyword('contains')) {
    p.next();
    head.key = parseTerm(p);
    return head;
  }
  if (p.is(':=') || p.is('=')) {
    head.assign = p.next().text === ':=';
    head.value = parseTerm(p);
  }
  return head;
}
