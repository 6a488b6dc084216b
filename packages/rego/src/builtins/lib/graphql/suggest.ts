/**
 * gqlparser's "Did you mean" helpers: candidates within a Levenshtein threshold of 40% of the
 * typed length (graphql-js's rule), nearest first, listed as `"a", "b", or "c"` (at most five).
 */

function levenshtein(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  let row = Array.from({ length: cb.length + 1 }, (_, i) => i);
  for (let i = 1; i <= ca.length; i++) {
    const next = [i];
    for (let j = 1; j <= cb.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (ca[i - 1] === cb[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[cb.length]!;
}

function lexicalDistance(a: string, b: string): number {
  if (a === b) return 0;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la === lb ? 1 : levenshtein(la, lb);
}

export function suggestionList(input: string, options: readonly string[]): string[] {
  const threshold = Math.max(1, Math.floor(input.length * 0.4) + 1);
  return options
    .map((option) => ({ option, distance: lexicalDistance(input, option) }))
    .filter(({ distance }) => distance <= threshold)
    .sort((x, y) => x.distance - y.distance)
    .map(({ option }) => option);
}

function orList(items: readonly string[]): string {
  const shown = items.slice(0, 5);
  if (shown.length === 2) return `${shown[0]} or ${shown[1]}`;
  return shown.map((item, i) => (i === 0 ? item : i === shown.length - 1 ? `, or ${item}` : `, ${item}`)).join('');
}

export const quotedOrList = (items: readonly string[]) => orList(items.map((item) => `"${item}"`));

/** ` Did you mean "a" or "b"?` for the options near `typed`, or nothing. */
export function suggestQuoted(prefix: string, typed: string, options: readonly string[]): string {
  const suggestions = suggestionList(typed, options);
  return suggestions.length > 0 ? ` ${prefix} ${quotedOrList(suggestions)}?` : '';
}

export function suggestUnquoted(prefix: string, typed: string, options: readonly string[]): string {
  const suggestions = suggestionList(typed, options);
  return suggestions.length > 0 ? ` ${prefix} ${orList(suggestions)}?` : '';
}
