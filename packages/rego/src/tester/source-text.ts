/**
 * What a failure report shows of an expression: its source text (from the module source, by its
 * location) and the values of the variables it mentions at the moment it failed.
 */
import type { Expr, Term } from '../ast.ts';
import type { Location } from '../errors.ts';
import type { Env } from '../eval/context.ts';
import { regoText } from '../rego-text.ts';

/** At most this many source lines of one expression are shown. */
const MAX_LINES = 5;

/**
 * The text of the expression starting at `at`: up to the end of its line, or further while
 * brackets are open (a multi-line object literal), skipping string literals.
 */
export function expressionText(source: string | undefined, at: Location): string {
  if (source === undefined) return '';
  const lines = source.split('\n');
  const out: string[] = [];
  let depth = 0;
  for (let row = at.row - 1; row < lines.length && out.length < MAX_LINES; row++) {
    const line = row === at.row - 1 ? lines[row]!.slice(Math.max(0, at.col - 1)) : lines[row]!;
    let end = line.length;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '"' || c === '`') i = closingQuote(line, i);
      else if (c === '#') {
        end = i;
        break;
      } else if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) {
          end = i;
          break;
        }
        depth--;
      } else if (c === ';' && depth === 0) {
        end = i;
        break;
      }
    }
    out.push(line.slice(0, end).trimEnd());
    if (depth <= 0 || end < line.length) break;
  }
  return out.join('\n').trim();
}

function closingQuote(line: string, start: number): number {
  const quote = line[start];
  for (let i = start + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) return i;
  }
  return line.length;
}

/** `[name, slot]` of the user variables an expression mentions (not inside nested bodies). */
export function expressionVars(expr: Expr): [string, number][] {
  const found = new Map<string, number>();
  const visit = (term: Term | undefined): void => {
    if (term === undefined) return;
    switch (term.type) {
      case 'var':
        if (term.slot !== undefined && term.slot >= 0 && !term.name.startsWith('$') && term.name !== '_') found.set(term.name, term.slot);
        return;
      case 'ref':
        visit(term.head);
        term.path.forEach(visit);
        return;
      case 'call':
        term.args.forEach(visit);
        return;
      case 'array':
      case 'set':
        term.items.forEach(visit);
        return;
      case 'object':
        for (const [key, value] of term.entries) (visit(key), visit(value));
        return;
      case 'template':
        for (const part of term.parts) if (typeof part !== 'string') visit(part);
        return;
      default:
        return;
    }
  };
  switch (expr.kind) {
    case 'term':
      visit(expr.term);
      break;
    case 'unify':
      visit(expr.lhs);
      visit(expr.rhs);
      break;
    case 'not':
      expressionVars(expr.expr).forEach(([name, slot]) => found.set(name, slot));
      break;
    case 'somein':
    case 'every':
      visit(expr.key);
      visit(expr.value);
      visit(expr.domain);
      break;
    default:
      break;
  }
  for (const w of expr.with) visit(w.value);
  return [...found];
}

/** `name: value` (Rego text) of the bound variables among `vars`, in the order written. */
export function varValues(vars: readonly [string, number][], env: Env): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, slot] of vars) {
    const value = env[slot];
    if (value !== undefined) out.push([name, regoText(value)]);
  }
  return out;
}
