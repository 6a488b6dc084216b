/**
 * Schemas for the type checker, as OPA takes them: a schema set (`--schema FILE|DIR`) keyed by
 * ref (`schema` is the root: a single file given to --schema types `input` for every rule;
 * `schema.kubernetes.admission` is `DIR/kubernetes/admission.json`), and `# METADATA` blocks
 * whose `schemas:` list ties a path (`input`, `input.request`, `data.roles`) to a schema ref or
 * an inline schema. As in OPA, annotations are read from the package (and `subpackages`), the
 * document and the rule; a ref is used only when a schema set was given, an inline schema always.
 */
import type { Module, Rule } from '../ast.ts';
import { RegoError } from '../errors.ts';
import { schemaToType } from './schema-types.ts';
import type { RuleSchemas, SchemaTypes } from './type-check.ts';

/** Schema documents by ref text: `schema` (the root) and `schema.a.b`. */
export type SchemaSet = Readonly<Record<string, unknown>>;

export function schemaSetTypes(set: SchemaSet | undefined): SchemaTypes {
  return set !== undefined && Object.hasOwn(set, 'schema') ? { input: schemaToType(set.schema) } : {};
}

export function ruleSchemaTypes(module: Module, rule: Rule, set: SchemaSet | undefined): RuleSchemas[] {
  const result: RuleSchemas[] = [];
  const blocks = [...module.annotations, ...(rule.annotations ?? [])];
  for (const block of blocks) {
    const list = block.schemas;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      for (const [path, schema] of Object.entries(item as Record<string, unknown>)) {
        const segments = path.split('.');
        if (segments[0] !== 'input' && segments[0] !== 'data') continue;
        if (typeof schema === 'string') {
          if (set === undefined) continue;
          if (!Object.hasOwn(set, schema)) throw new RegoError('rego_type_error', `undefined schema: ${schema}`, [rule.loc]);
          result.push({ path: segments, type: schemaToType(set[schema]) });
        } else result.push({ path: segments, type: schemaToType(schema) });
      }
    }
  }
  return result;
}
