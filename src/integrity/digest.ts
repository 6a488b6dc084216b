import { canonicalJson, sha256Hex } from '../audit/index.ts';
import type { Item } from '../catalog/index.ts';

export type PinnedKind = 'tool' | 'prompt';

/**
 * The fields of a definition that tell a model what a tool or prompt does and what it takes:
 * a change to any of them is what a reviewer must see again. Everything else an upstream lists
 * (`_meta`, icons, unknown fields) is left out, so cosmetic churn does not quarantine a tool.
 */
const PINNED_FIELDS: Record<PinnedKind, readonly string[]> = {
  tool: ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'],
  prompt: ['name', 'title', 'description', 'arguments'],
};

interface Definition {
  /** The pinned fields themselves (what screening reads). */
  fields: Record<string, unknown>;
  /** Canonical JSON of the pinned fields (sorted keys), as stored and shown by `tools diff`. */
  text: string;
  /** SHA-256 hex of `text`. */
  digest: string;
}

/** The pinned part of an upstream's item (its own name and description, before namespacing). */
export function definitionOf(kind: PinnedKind, item: Item): Definition {
  const picked: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const field of PINNED_FIELDS[kind]) {
    if (Object.hasOwn(item, field) && item[field] !== undefined) picked[field] = item[field];
  }
  const text = canonicalJson(picked);
  return { fields: picked, text, digest: sha256Hex(text) };
}
