import type { Value } from './value.ts';
import { RSet } from './value.ts';
import { formatNumber } from './number.ts';

/**
 * A value written as Rego source text, as OPA's `ast.Value.String()` writes it: what `sprintf`
 * substitutes for composites, booleans and null (`["a", 1]`, `{"k": true}`, `{1, 2}`, `set()`).
 * Sets and objects are written in canonical order so the text does not depend on insertion order.
 */
export function regoText(value: Value): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'bigint':
      return formatNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(regoText).join(', ')}]`;
      if (value instanceof RSet) return value.size === 0 ? 'set()' : `{${value.sorted().map(regoText).join(', ')}}`;
      return `{${value
        .sortedEntries()
        .map(([k, v]) => `${regoText(k)}: ${regoText(v)}`)
        .join(', ')}}`;
  }
}
