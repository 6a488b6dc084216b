/**
 * `rego.metadata.rule()` and `rego.metadata.chain()`: OPA answers them from the annotations at
 * compile time, per rule, so the compiler replaces the calls with constants. The chain lists the
 * rule (its `rule`-scope annotation, if any), the `document`-scope annotation of its path, then the
 * package and its ancestors that carry `package` / `subpackages` annotations, innermost first.
 */
import type { Module, Rule, Term } from '../ast.ts';
import type { Location } from '../errors.ts';

export interface MetadataIndex {
  documents: Map<string, Record<string, unknown>>;
  packages: Map<string, Record<string, unknown>>;
}

export function indexAnnotations(modules: Module[], rulePath: (module: Module, rule: Rule) => string[]): MetadataIndex {
  const index: MetadataIndex = { documents: new Map(), packages: new Map() };
  for (const module of modules) {
    for (const annotation of module.annotations) index.packages.set(module.pkg.join('.'), annotation);
    for (const rule of module.rules) {
      for (const annotation of rule.annotations ?? []) {
        if (annotation.scope === 'document') index.documents.set(rulePath(module, rule).join('.'), annotation);
      }
    }
  }
  return index;
}

export function ruleMetadata(rule: Rule): Record<string, unknown> {
  return rule.annotations?.find((a) => a.scope === 'rule') ?? {};
}

export function metadataChain(index: MetadataIndex, rule: Rule, path: string[], pkg: string[]): unknown[] {
  const own = rule.annotations?.find((a) => a.scope === 'rule');
  const chain: unknown[] = [own ? { annotations: own, path } : { path }];
  const document = index.documents.get(path.join('.'));
  if (document) chain.push({ annotations: document, path });
  for (let length = pkg.length; length > 0; length--) {
    const prefix = pkg.slice(0, length);
    const annotation = index.packages.get(prefix.join('.'));
    if (annotation && (length === pkg.length || annotation.scope === 'subpackages')) chain.push({ annotations: annotation, path: prefix });
  }
  return chain;
}

/** A JSON value as a constant term. */
export function jsonTerm(value: unknown, loc: Location): Term {
  if (Array.isArray(value)) return { type: 'array', items: value.map((item) => jsonTerm(item, loc)), loc };
  if (value !== null && typeof value === 'object') {
    return { type: 'object', entries: Object.entries(value).map(([k, v]) => [{ type: 'scalar', value: k, loc }, jsonTerm(v, loc)] as [Term, Term]), loc };
  }
  if (value === undefined) return { type: 'scalar', value: null, loc };
  return { type: 'scalar', value: value as string | number | boolean | null, loc };
}
