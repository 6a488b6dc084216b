/** Colours one cell of a table body (row and column index from 0), given its padded text. */
export type CellPaint = (row: number, column: number, text: string) => string;

/**
 * C0 and C1 control characters, DEL, and the Unicode controls that reorder text (bidirectional
 * overrides, isolates and marks).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the audit trail or an upstream as a terminal may show it: what the table or line
 * prints comes from callers and upstreams (a tool name, a request id, a policy's reason), and an
 * escape sequence in it would act on the terminal of whoever reads the trail (clear the screen,
 * hide or rewrite lines, reorder text). Each such character is written as its escape (`\x1b`,
 * `\u202e`) instead. Text for machines (`--json`, CSV) is left exact.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Renders rows as an aligned text table (for terminals) or as JSON (for machines, `--json`).
 * Every cell is made printable first; `paint` colours body cells after padding, so escape codes
 * never skew the column widths.
 */
export function renderTable(columns: readonly string[], raw: ReadonlyArray<readonly string[]>, paint?: CellPaint): string {
  const rows = raw.map((row) => row.map(printable));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((cell, i) => {
        const text = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        return row < 0 || paint === undefined ? text : paint(row, i, text);
      })
      .join('  ')
      .trimEnd();
  return [line(columns, -1), ...rows.map(line)].join('\n') + '\n';
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
