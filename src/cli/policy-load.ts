/**
 * Loads a policy set for `warden policy ...`: every `.rego` file under the given paths and the
 * data documents beside them (mounted by directory, as the gateway's rego backend does), and prints
 * Rego errors with the offending source line and a caret (graphql-js printLocation style).
 */
import { basename } from 'node:path';
import { readPolicyFiles } from '../policy/files.ts';
import { isDataFile, mountDataDocument } from '../policy/data-documents.ts';
import type { DataDocument } from '../policy/data-documents.ts';
import { RegoError } from '@mcp-warden/rego';

export interface LoadedPolicies {
  /** File name (as shown in messages) -> source. */
  modules: Record<string, string>;
  data: DataDocument;
}

export interface LoadOptions {
  /** Load `*_test.rego` modules too. */
  tests: boolean;
  /**
   * `named`: only `data.json` / `data.yaml` / `data.yml` are data (as `opa test` mounts them, so a
   * fixture such as `input.json` beside the tests is not data); `all`: every JSON/YAML file, as the
   * gateway's rego backend loads `policy.paths`.
   */
  dataFiles: 'named' | 'all';
  /** Directory names not descended into (node_modules when no path was given). */
  skipDirectories?: readonly string[];
}

const DATA_NAMES = new Set(['data.json', 'data.yaml', 'data.yml']);

export async function loadPolicies(paths: readonly string[], options: LoadOptions = { tests: true, dataFiles: 'all' }): Promise<LoadedPolicies> {
  const isData = (path: string): boolean => (options.dataFiles === 'named' ? DATA_NAMES.has(basename(path)) : isDataFile(path));
  const accept = (path: string): boolean => (path.endsWith('.rego') && (options.tests || !path.endsWith('_test.rego'))) || isData(path);
  const skip = new Set(options.skipDirectories ?? []);
  const files = await readPolicyFiles(paths, process.cwd(), accept, (name) => skip.has(name));
  const modules: Record<string, string> = {};
  const data: DataDocument = {};
  for (const file of files) {
    if (file.name.endsWith('.rego')) modules[file.name] = file.bytes.toString('utf8');
    else mountDataDocument(data, file.name, file.dataPrefix, file.bytes.toString('utf8'));
  }
  return { modules, data };
}

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
