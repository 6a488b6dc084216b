import type { ErrorObject } from 'ajv';

/**
 * Which errors gojsonschema reports, from ajv's (which reports every failing branch):
 * - a failed anyOf/oneOf: the combinator's error, then the errors of the branch that came closest
 *   (fewest errors; the first on a tie);
 * - a failed allOf: the failing branches' errors, then one allOf error for the instance (ajv has
 *   none of its own).
 */
export function gojsonschemaErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return withAllOf(selectBranches(errors));
}

function selectBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const branch = (error: ErrorObject, prefix: string): number | undefined => {
    if (!error.schemaPath.startsWith(`${prefix}/`)) return undefined;
    const index = /^(\d+)(?:\/|$)/.exec(error.schemaPath.slice(prefix.length + 1));
    return index ? Number(index[1]) : undefined;
  };
  let pending = [...errors];
  while (pending.length > 0) {
    const combinator = pending.findIndex((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
    if (combinator < 0) {
      out.push(...pending.filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames'));
      break;
    }
    const head = pending[combinator]!;
    const inside = pending.slice(0, combinator).filter((e) => branch(e, head.schemaPath) !== undefined);
    const before = pending.slice(0, combinator).filter((e) => branch(e, head.schemaPath) === undefined);
    out.push(...before.filter((e) => e.propertyName === undefined || e.keyword === 'propertyNames'));
    out.push(head);
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of inside) byBranch.set(branch(e, head.schemaPath)!, [...(byBranch.get(branch(e, head.schemaPath)!) ?? []), e]);
    const best = [...byBranch.entries()].sort(([a, x], [b, y]) => x.length - y.length || a - b)[0];
    if (best) out.push(...selectBranches(best[1]));
    pending = pending.slice(combinator + 1);
  }
  return out;
}

/** Keywords whose subschema applies to a part of the instance (one instance path segment down). */
const NAMED_DESCENTS = new Set(['properties', 'patternProperties']);
const DESCENTS = new Set(['additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems', 'contains', 'items', 'prefixItems']);

/** How many instance levels a schema path (after a combinator branch) goes down. */
function descents(path: string[]): number {
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    if (NAMED_DESCENTS.has(path[i]!)) {
      depth++;
      i++;
    } else if (DESCENTS.has(path[i]!)) {
      depth++;
      if (/^\d+$/.test(path[i + 1] ?? '')) i++;
    }
  }
  return depth;
}

function withAllOf(errors: ErrorObject[]): ErrorObject[] {
  const summaries = new Map<string, { after: number; error: ErrorObject }>();
  errors.forEach((error, position) => {
    for (const match of error.schemaPath.matchAll(/\/allOf\/\d+\//g)) {
      const schemaPath = error.schemaPath.slice(0, match.index + '/allOf'.length);
      const below = error.schemaPath.slice(match.index + match[0].length).split('/').slice(0, -1);
      const segments = error.instancePath.split('/').slice(1);
      const depth = Math.min(descents(below), segments.length);
      const instancePath = segments.slice(0, segments.length - depth).map((s) => `/${s}`).join('');
      summaries.set(`${schemaPath} ${instancePath}`, {
        after: position,
        error: { keyword: 'allOf', instancePath, schemaPath, params: {}, message: 'must match all schemas' },
      });
    }
  });
  const out: ErrorObject[] = [];
  errors.forEach((error, position) => {
    out.push(error);
    for (const summary of summaries.values()) if (summary.after === position) out.push(summary.error);
  });
  return out;
}
