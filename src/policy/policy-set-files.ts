/**
 * Reads a policy set from disk: the `.rego` modules under the given paths and the data documents
 * beside them (each mounted under its directory). The gateway's rego backend and every
 * `warden policy` command load through here, so they see the same set.
 */
import { basename } from 'node:path';
import { isDataFile, mountDataDocument, type DataDocument } from './data-documents.ts';
import { readPolicyFiles, type PolicyFile } from './files.ts';

export interface PolicySetSources {
  /** File name (as shown in messages) -> source. */
  modules: Record<string, string>;
  data: DataDocument;
  /** Every file read, for the revision (`revisionOf`). */
  files: PolicyFile[];
}

interface LoadOptions {
  /** Load `*_test.rego` modules too. */
  tests: boolean;
  /**
   * `named`: only `data.json` / `data.yaml` / `data.yml` are data (as `opa test` mounts them, so a
   * fixture such as `input.json` beside the tests is not data); `all`: every JSON/YAML file, as the
   * gateway loads `policy.paths`.
   */
  dataFiles: 'named' | 'all';
  /** Directory names not descended into (node_modules when no path was given). */
  skipDirectories?: readonly string[];
}

const DATA_NAMES = new Set(['data.json', 'data.yaml', 'data.yml']);

export async function loadPolicySet(paths: readonly string[], baseDir: string, options: LoadOptions): Promise<PolicySetSources> {
  const isData = (path: string): boolean => (options.dataFiles === 'named' ? DATA_NAMES.has(basename(path)) : isDataFile(path));
  const accept = (path: string): boolean => (path.endsWith('.rego') && (options.tests || !path.endsWith('_test.rego'))) || isData(path);
  const skip = new Set(options.skipDirectories ?? []);
  const files = await readPolicyFiles(paths, baseDir, accept, (name) => skip.has(name));
  const modules: Record<string, string> = {};
  const data: DataDocument = {};
  for (const file of files) {
    if (file.name.endsWith('.rego')) modules[file.name] = file.bytes.toString('utf8');
    else mountDataDocument(data, file.name, file.dataPrefix, file.bytes.toString('utf8'));
  }
  return { modules, data, files };
}
