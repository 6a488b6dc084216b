import { WardenError } from './errors.ts';
import { CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE, stringEnd } from './json-scan.ts';
import { jsonPathAt } from './json-path-at.ts';
import { idOf } from './message-id.ts';

/**
 * How deeply a client's message may nest objects and arrays (`server.max_json_depth`). Every copy
 * of client JSON in the gateway recurses (the policy input, redaction, canonical encoding), and
 * SQLite's JSON functions refuse text nested 1000 deep: arguments 3,000 levels deep overflowed the
 * stack in the policy engine and in the deny row's encoding (no audit row), and 1,000 levels made
 * a decision row that stopped the decision indexer (2026-12-07). The bound keeps all of that far
 * away; real tool arguments rarely nest a dozen levels.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;
export const MAX_JSON_DEPTH_LIMIT = 512;

/** Where the first object or array nested deeper than `max` opens (strings skipped), if one does. */
function tooDeepAt(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(text, i);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return undefined;
}

/** Whether `text` (JSON) nests objects and arrays deeper than `max` levels. */
export function nestsDeeperThan(text: string, max: number): boolean {
  return tooDeepAt(text, max) !== undefined;
}

/** Throws REQUEST_TOO_DEEP naming the field where the message nests deeper than `max`, with the message's id when it can be read. */
export function assertJsonDepth(text: string, max: number): void {
  const at = tooDeepAt(text, max);
  if (at === undefined) return;
  const field = jsonPathAt(text, at);
  const shown = field.length > 120 ? `${field.slice(0, 117)}...` : field;
  throw new WardenError('REQUEST_TOO_DEEP', `the message nests objects and arrays deeper than ${max} levels${shown === '' ? '' : ` at ${shown}`}`, {
    details: { field, limit: max, requestId: idOf(text) },
  });
}
