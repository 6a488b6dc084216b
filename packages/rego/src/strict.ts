/**
 * Checks `opa check --strict` adds to compilation (v1/ast/compile.go, strict mode): imports never
 * used and local variables assigned with `:=` and never read. (Its deprecated built-ins are not
 * callable in Rego v1 at all.) They are style errors, not semantic ones, so they run on the
 * parsed modules beside the compiler.
 */
import type { Module, Rule, VarTerm } from './ast.ts';
import { RegoError } from './errors.ts';
import { refText } from './compiler/scope.ts';

/** Every AST node below `node` with a `type` or `kind` (locations skipped). */
function* nodes(node: unknown): Generator<Record<string, unknown>> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) yield* nodes(item);
    return;
  }
  const record = node as Record<string, unknown>;
  if ('type' in record || 'kind' in record) yield record;
  for (const [key, value] of Object.entries(record)) if (key !== 'loc') yield* nodes(value);
}

export function checkStrict(module: Module): RegoError[] {
  const errors: RegoError[] = [];
  const used = new Set<string>();
  for (const node of nodes(module.rules)) {
    if (node.type === 'var') used.add((node as unknown as VarTerm).name);
    if (node.type === 'call') used.add((node.name as string).split('.')[0]!);
  }
  for (const imp of module.imports) {
    const text = refText(imp.path);
    if (text === undefined || text.startsWith('future.') || text.startsWith('rego.')) continue;
    const alias = imp.alias ?? text.split('.').pop()!;
    if (!used.has(alias)) errors.push(new RegoError('rego_compile_error', `import ${text}${imp.alias ? ` as ${imp.alias}` : ''} unused`, [imp.loc]));
  }
  for (const rule of module.rules) errors.push(...unusedAssignments(rule));
  return errors;
}

/** `x := ...` where `x` appears nowhere else in the rule. */
function unusedAssignments(rule: Rule): RegoError[] {
  const counts = new Map<string, number>();
  const declared: VarTerm[] = [];
  for (const node of nodes([rule.head, rule.body])) {
    if (node.type === 'var') {
      const name = (node as unknown as VarTerm).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    if (node.kind === 'unify' && node.assign === true) {
      for (const v of nodes(node.lhs)) if (v.type === 'var') declared.push(v as unknown as VarTerm);
    }
  }
  return declared
    .filter((v) => v.name !== '_' && !v.name.startsWith('$') && counts.get(v.name) === 1)
    .map((v) => new RegoError('rego_compile_error', `assigned var ${v.name} unused`, [v.loc]));
}
