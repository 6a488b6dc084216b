/** Colours one cell of a table body (row and column index from 0), given its padded text. */
export type CellPaint = (row: number, column: number, text: string) => string;

/**
 * Renders rows as an aligned text table (for terminals) or as JSON (for machines, `--json`).
 * `paint` colours body cells after padding, so escape codes never skew the column widths.
 */
export function renderTable(columns: readonly string[], rows: ReadonlyArray<readonly string[]>, paint?: CellPaint): string {
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
