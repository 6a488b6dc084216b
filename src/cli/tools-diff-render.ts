import { diffLines } from 'diff';
import type { PinView } from './tools-pins.ts';

/**
 * `warden tools diff` as text: per definition its status, what screening found, and the approved
 * and the seen definition compared line by line (jsdiff). On a terminal the two stand side by
 * side in colour; piped, a unified diff (`-` approved, `+` seen) that scripts and tests can read.
 */
const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

const FIELD_ORDER = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'arguments'];

/** A definition as lines a person compares: text fields as text, schemas as indented JSON. */
function definitionLines(definition: Record<string, unknown> | null): string {
  if (definition === null) return '';
  const keys = [...FIELD_ORDER.filter((key) => Object.hasOwn(definition, key)), ...Object.keys(definition).filter((key) => !FIELD_ORDER.includes(key)).sort()];
  const lines: string[] = [];
  for (const key of keys) {
    const value = definition[key];
    if (typeof value === 'string') {
      const [first, ...rest] = value.split('\n');
      lines.push(`${key}: ${first}`, ...rest.map((line) => `  ${line}`));
    } else {
      lines.push(`${key}:`, ...JSON.stringify(value, null, 2).split('\n').map((line) => `  ${line}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Hidden characters shown as their code points, so a reviewer sees what the model would read. */
const visible = (text: string): string => text.replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\u180E\u061C]|[\u{E0000}-\u{E007F}]/gu, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);

type Row = { left: string | undefined; right: string | undefined; changed: boolean };

function rows(before: string, after: string): Row[] {
  const out: Row[] = [];
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (!part.added && !part.removed) {
      for (const line of lines) out.push({ left: line, right: line, changed: false });
    } else if (part.removed && parts[i + 1]?.added) {
      const added = parts[++i]!.value.replace(/\n$/, '').split('\n');
      for (let j = 0; j < Math.max(lines.length, added.length); j++) out.push({ left: lines[j], right: added[j], changed: true });
    } else {
      // One push per line, not a spread: a definition of 150,000 lines would overflow the stack as arguments.
      for (const line of lines) out.push(part.removed ? { left: line, right: undefined, changed: true } : { left: undefined, right: line, changed: true });
    }
  }
  return out;
}

function unified(table: Row[]): string {
  return table
    .flatMap((row) => (!row.changed ? [`  ${row.left}`] : [...(row.left === undefined ? [] : [`- ${row.left}`]), ...(row.right === undefined ? [] : [`+ ${row.right}`])]))
    .map((line) => `${visible(line)}\n`)
    .join('');
}

function wrap(text: string, width: number): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += width) chunks.push(text.slice(at, at + width));
  return chunks.length === 0 ? [''] : chunks;
}

function sideBySide(table: Row[], columns: number): string {
  const width = Math.max(20, Math.floor((columns - 3) / 2));
  let out = '';
  for (const row of table) {
    const left = wrap(visible(row.left ?? ''), width);
    const right = wrap(visible(row.right ?? ''), width);
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const l = (left[i] ?? '').padEnd(width);
      const r = right[i] ?? '';
      out += row.changed ? `${RED}${l}${RESET} │ ${GREEN}${r}${RESET}\n` : `${l} │ ${r}\n`;
    }
  }
  return out;
}

export function renderPinDiff(views: readonly PinView[], tty: boolean, columns = process.stdout.columns ?? 120): string {
  if (views.length === 0) return 'every pinned definition is approved\n';
  return views
    .map((view) => {
      const decided = view.decidedBy === null ? 'never approved' : `${view.status === 'revoked' ? 'revoked' : 'approved'} ${view.decidedAt ?? ''} by ${view.decidedBy}${view.note ? ` (${view.note})` : ''}`;
      const status = view.status === 'approved' ? 'approved' : view.status === 'revoked' ? 'revoked: waits for approval' : 'waits for approval';
      let text = `${tty ? BOLD : ''}${view.kind} ${view.upstream}/${view.name}${tty ? RESET : ''}: ${status}; seen ${view.seenAt} (${view.seenDigest.slice(0, 12)}), ${decided}\n`;
      if (view.flags.length > 0) text += `screening flagged:\n${view.flags.map((flag) => `  ${tty ? YELLOW : ''}${visible(flag)}${tty ? RESET : ''}\n`).join('')}`;
      const before = definitionLines(view.approved);
      const after = definitionLines(view.seen);
      const header = `--- approved ${view.approvedDigest?.slice(0, 12) ?? (view.approved === null ? '(none)' : '(revoked)')}\n+++ seen     ${view.seenDigest.slice(0, 12)}\n`;
      const table = rows(before, after);
      return text + header + (tty ? sideBySide(table, columns) : unified(table));
    })
    .join('\n');
}
