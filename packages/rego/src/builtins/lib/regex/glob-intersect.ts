import { Re2SyntaxError } from '../go/re2.ts';

/**
 * regex.globs_match: do two "globs" in the dialect of the glob-intersection library OPA uses share
 * a string? The dialect: `.` any character, `[...]` a set of characters with ranges (no
 * negation), `\` escapes, any other character itself; `*` and `+` repeat the preceding token.
 * Each glob is a small NFA (one state per token) and the product automaton is searched for a path
 * to both ends, which decides emptiness exactly.
 */

type CharSet = { readonly kind: 'any' } | { readonly kind: 'set'; readonly runes: ReadonlySet<number> };

interface Token {
  readonly chars: CharSet;
  repeat: 'one' | 'star' | 'plus';
}

function invalid(input: string, position: number, message: string): never {
  throw new Re2SyntaxError(`input:${input}, pos:${position}, ${message}: the input provided is invalid`);
}

function tokenize(input: string): Token[] {
  const runes = Array.from(input, (ch) => ch.codePointAt(0)!);
  const tokens: Token[] = [];
  let i = 0;
  // Returns [rune, escaped] and advances; positions in messages are 1-based rune offsets.
  const next = (): [number, boolean] => {
    const r = runes[i]!;
    if (r !== 0x5c) {
      i++;
      return [r, false];
    }
    if (i === runes.length - 1) invalid(input, i, 'input ends with a \\ (escape) character');
    i += 2;
    return [runes[i - 1]!, true];
  };
  while (i < runes.length) {
    const [r, escaped] = next();
    const ch = String.fromCodePoint(r);
    if (!escaped && (ch === '*' || ch === '+')) {
      const previous = tokens[tokens.length - 1];
      if (previous === undefined || previous.repeat !== 'one') invalid(input, i, `flag '${ch}' must be preceded by a non-flag`);
      previous.repeat = ch === '*' ? 'star' : 'plus';
    } else if (!escaped && ch === '.') {
      tokens.push({ chars: { kind: 'any' }, repeat: 'one' });
    } else if (!escaped && ch === ']') {
      invalid(input, i, "set-close ']' with no preceding '['");
    } else if (!escaped && ch === '[') {
      tokens.push({ chars: readSet(), repeat: 'one' });
    } else {
      tokens.push({ chars: { kind: 'set', runes: new Set([r]) }, repeat: 'one' });
    }
  }
  return tokens;

  function readSet(): CharSet {
    const members = new Set<number>();
    let previous: number | undefined;
    while (i < runes.length) {
      const [r, escaped] = next();
      if (!escaped && r === 0x5d) return { kind: 'set', runes: members };
      if (!escaped && r === 0x2d) {
        if (previous === undefined) invalid(input, i, "range character '-' must be preceded by a Unicode character");
        if (i >= runes.length - 1) invalid(input, i, "range character '-' must be followed by a Unicode character");
        const [high, highEscaped] = next();
        if (!highEscaped && (high === 0x5d || high === 0x2d)) invalid(input, i, "range character '-' cannot be followed by a special symbol");
        if (high < previous) invalid(input, i, 'range is out of order');
        for (let x = previous; x <= high; x++) members.add(x);
        previous = undefined;
      } else {
        members.add(r);
        previous = r;
      }
    }
    return invalid(input, i, 'found [ without matching ]');
  }
}

function overlaps(a: CharSet, b: CharSet): boolean {
  if (a.kind === 'any' || b.kind === 'any') return (a.kind === 'any' || a.runes.size > 0) && (b.kind === 'any' || b.runes.size > 0);
  const [small, large] = a.runes.size <= b.runes.size ? [a.runes, b.runes] : [b.runes, a.runes];
  for (const r of small) if (large.has(r)) return true;
  return false;
}

/** `x+` is `x x*`, so every token is either exactly-once or a star. */
function normalize(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => (t.repeat === 'plus' ? [{ chars: t.chars, repeat: 'one' as const }, { chars: t.chars, repeat: 'star' as const }] : [t]));
}

export function globsIntersect(left: string, right: string): boolean {
  const a = normalize(tokenize(left));
  const b = normalize(tokenize(right));
  const width = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * width);
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    if (seen[i * width + j]) continue;
    seen[i * width + j] = 1;
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (ta?.repeat === 'star') stack.push([i + 1, j]);
    if (tb?.repeat === 'star') stack.push([i, j + 1]);
    if (ta !== undefined && tb !== undefined && overlaps(ta.chars, tb.chars)) {
      stack.push([ta.repeat === 'star' ? i : i + 1, tb.repeat === 'star' ? j : j + 1]);
    }
  }
  return false;
}
