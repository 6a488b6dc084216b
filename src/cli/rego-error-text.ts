/** Prints Rego errors for `warden policy ...` with the offending source line and a caret (graphql-js printLocation style). */
import type { RegoError } from '@mcp-warden/rego';

/** `file:row:col: code: message`, then the source line and a caret under the column. */
export function renderRegoError(error: RegoError, modules: Record<string, string>): string {
  const lines = [error.message];
  const at = error.locations[0];
  const source = at ? modules[at.file] : undefined;
  if (at && source !== undefined) {
    const line = source.split('\n')[at.row - 1];
    if (line !== undefined) {
      const gutter = `${at.row} | `;
      lines.push(`${gutter}${line.replace(/\t/g, ' ')}`, `${' '.repeat(gutter.length + Math.max(0, at.col - 1))}^`);
    }
  }
  return `${lines.join('\n')}\n`;
}
