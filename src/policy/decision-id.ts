import { randomUUID } from 'node:crypto';

/**
 * A decision's id: a UUID version 7 (RFC 9562), whose first 48 bits are the Unix time in
 * milliseconds, the other 74 random. Outcome rows are indexed by their decision's id, and a
 * random id puts each one on a random leaf of that index: with 300,000 outcomes in the trail, a
 * group commit of 32 more wrote ~200 KB of WAL and took 1.3-2.0 ms of CPU with random ids, ~43 KB
 * and 0.7-1.0 ms with these (`npm run bench -- decision-ids`, 2026-12-07). 74 random bits keep an
 * id unguessable. Built from randomUUID (whose variant bits are already v7's): Node 20 has no v7.
 */
export function decisionId(): string {
  const time = Date.now().toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
