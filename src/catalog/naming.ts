import { createHash } from 'node:crypto';
import { PUBLIC_NAME_PATTERN } from '../config/index.ts';

/**
 * Public names for tools and prompts. Clients accept only ^[a-zA-Z0-9_-]{1,64}$, so a name that
 * does not fit is sanitised, cut and given an 8-hex suffix hashed from (upstream, original name):
 * stable across restarts (no counters, no ordering), and distinct for distinct originals even
 * when sanitising maps them to the same characters.
 */
const HASH_LENGTH = 8;
const MAX_LENGTH = 64;

export type NameNote = 'renamed' | 'prefixed-on-conflict' | 'shortened' | 'disambiguated' | 'composite';

function nameHash(upstream: string, original: string): string {
  return createHash('sha256').update(upstream).update('\u0000').update(original).digest('hex').slice(0, HASH_LENGTH);
}

/** Returns the candidate unchanged when it is already a valid public name. */
export function fitPublicName(candidate: string, upstream: string, original: string): { name: string; shortened: boolean } {
  if (PUBLIC_NAME_PATTERN.test(candidate)) return { name: candidate, shortened: false };
  return { name: withHash(candidate, upstream, original), shortened: true };
}

/** The form used when two upstreams end on the same public name: the later one gets the hash. */
export function disambiguate(candidate: string, upstream: string, original: string): string {
  return withHash(candidate, upstream, original);
}

function withHash(candidate: string, upstream: string, original: string): string {
  const safe = candidate.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX_LENGTH - HASH_LENGTH - 1);
  return `${safe}-${nameHash(upstream, original)}`;
}
