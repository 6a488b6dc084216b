/**
 * METADATA annotations: a comment block starting with `# METADATA`, YAML in the following comment
 * lines, attached to the package or rule that follows it. Scopes default to `package` / `rule`;
 * `document` and `subpackages` can be given (OPA's annotations docs). Authors written as
 * "Name <email>" become `{name, email}` as OPA reports them.
 */
import { parse } from 'yaml';
import { RegoError } from '../errors.ts';
import type { Comment } from './lexer.ts';

interface Annotation {
  /** The annotation document as OPA's rego.metadata.* return it (`scope` added by the caller). */
  value: Record<string, unknown>;
  /** Row of the statement it annotates. */
  targetRow: number;
}

export function readAnnotations(file: string, comments: Comment[], statementRows: number[]): Annotation[] {
  const annotations: Annotation[] = [];
  for (let i = 0; i < comments.length; i++) {
    if (comments[i]!.text.trim() !== 'METADATA') continue;
    const start = comments[i]!;
    const lines: string[] = [];
    let row = start.row;
    while (i + 1 < comments.length && comments[i + 1]!.row === row + 1 && comments[i + 1]!.col === start.col) {
      i++;
      row++;
      lines.push(comments[i]!.text.replace(/^ /, ''));
    }
    const targetRow = statementRows.find((r) => r > row);
    if (targetRow === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(lines.join('\n')) ?? {};
    } catch (error) {
      throw new RegoError('rego_parse_error', `invalid METADATA: ${(error as Error).message.split('\n')[0]}`, [{ file, row: start.row, col: start.col }]);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new RegoError('rego_parse_error', 'METADATA must be a YAML mapping', [{ file, row: start.row, col: start.col }]);
    }
    annotations.push({ value: normalise(doc as Record<string, unknown>), targetRow });
  }
  return annotations;
}

function normalise(doc: Record<string, unknown>): Record<string, unknown> {
  const value: Record<string, unknown> = { ...doc };
  if (Array.isArray(doc.authors)) value.authors = doc.authors.map(author);
  return value;
}

function author(entry: unknown): unknown {
  if (typeof entry !== 'string') return entry;
  const match = /^(.*?)\s*<([^>]+)>\s*$/.exec(entry);
  return match ? { name: match[1], email: match[2] } : { name: entry.trim() };
}
