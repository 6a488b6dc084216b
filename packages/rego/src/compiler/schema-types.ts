/**
 * JSON Schema -> static type, as OPA turns `--schema` files and `# METADATA schemas:` into the
 * type of `input` (or of a data path) for its type checker. An object schema with `properties` is
 * closed unless `additionalProperties` says otherwise: a ref to a property it does not list is a
 * type error (`undefined ref: input.x.y`), which is the point of giving a schema. Whatever the
 * schema does not pin down (no `type`, `not`, unresolvable `$ref`, recursion) is `any`, so a
 * schema never makes the checker reject what the schema allows.
 */
import type { Scalar } from '../ast.ts';
import { ANY, anyOf, arrayOf, BOOL, NULL, NUM, object, objectOf, or, STR } from './type-system.ts';
import type { T, Type } from './type-system.ts';

type Schema = Record<string, unknown>;

export function schemaToType(schema: unknown): Type {
  return convert(schema, schema, new Set()) ?? ANY;
}

function convert(schema: unknown, root: unknown, seen: Set<unknown>): T {
  if (schema === true || schema === undefined) return ANY;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return ANY;
  const s = schema as Schema;
  if (typeof s.$ref === 'string') {
    const target = resolveLocal(s.$ref, root);
    if (target === undefined || seen.has(target)) return ANY;
    return convert(target, root, new Set([...seen, target]));
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key])) {
      let union: T;
      for (const part of s[key] as unknown[]) union = or(union, convert(part, root, seen));
      return union ?? ANY;
    }
  }
  if (Array.isArray(s.allOf)) return mergeAll((s.allOf as unknown[]).map((part) => convert(part, root, seen)));
  const type = s.type;
  if (Array.isArray(type)) {
    const parts = type.map((t) => convert({ ...s, type: t }, root, seen)).filter((t): t is Type => t !== undefined);
    return parts.length === 0 ? ANY : anyOf(...parts);
  }
  switch (type) {
    case 'null':
      return NULL;
    case 'boolean':
      return BOOL;
    case 'number':
    case 'integer':
      return NUM;
    case 'string':
      return STR;
    case 'array':
      if (Array.isArray(s.items)) return { k: 'array', items: (s.items as unknown[]).map((item) => convert(item, root, seen) ?? ANY) };
      return arrayOf(s.items === undefined ? ANY : (convert(s.items, root, seen) ?? ANY));
    case 'object':
      return objectType(s, root, seen);
    default:
      return s.properties !== undefined ? objectType(s, root, seen) : ANY;
  }
}

function objectType(s: Schema, root: unknown, seen: Set<unknown>): Type {
  const properties = s.properties;
  if (typeof properties !== 'object' || properties === null || Object.keys(properties).length === 0) return objectOf(ANY, ANY);
  const props: [Scalar, T][] = Object.entries(properties as Schema).map(([key, value]) => [key, convert(value, root, seen) ?? ANY]);
  const extra = s.additionalProperties;
  if (extra === undefined || extra === false) return object(props);
  return object(props, [ANY, extra === true ? ANY : (convert(extra, root, seen) ?? ANY)]);
}

/** allOf of objects: their properties together; anything else: the first part's type. */
function mergeAll(parts: T[]): T {
  const objects = parts.filter((t): t is Extract<Type, { k: 'object' }> => t?.k === 'object');
  if (objects.length !== parts.length || objects.length === 0) return parts[0] ?? ANY;
  const props = new Map<Scalar, T>();
  let dynamic: [T, T] | undefined;
  for (const o of objects) {
    for (const [key, t] of o.props) props.set(key, props.has(key) ? or(props.get(key), t) : t);
    if (o.dynamic) dynamic = o.dynamic;
  }
  return object([...props.entries()], dynamic);
}

function resolveLocal(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter((part) => part !== '')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Schema)[key];
  }
  return node;
}
