import { WardenError } from '../errors.ts';
import { compile } from '../rego/index.ts';
import { RegoError } from '../rego/errors.ts';
import type { PolicyBackend } from './backend.ts';
import type { PolicyConfig } from './config.ts';
import { isDataFile, mountDataDocument, type DataDocument } from './data-documents.ts';
import type { RawResult } from './decision.ts';
import { readPolicyFiles, revisionOf } from './files.ts';

/**
 * The `rego` backend: our engine (src/rego) over the `.rego` modules and data documents under
 * `policy.paths`. The whole set is compiled here, once; per request only the prepared query runs.
 * `*_test.rego` files are left out: tests belong to `warden policy test`, not to decisions.
 */
const isModule = (path: string): boolean => path.endsWith('.rego') && !path.endsWith('_test.rego');

export async function loadRegoBackend(config: PolicyConfig, baseDir: string): Promise<PolicyBackend> {
  const files = await readPolicyFiles(config.paths, baseDir, (path) => isModule(path) || isDataFile(path));
  const modules: Record<string, string> = {};
  const data: DataDocument = {};
  for (const file of files) {
    if (file.name.endsWith('.rego')) modules[file.name] = file.bytes.toString('utf8');
    else mountDataDocument(data, file.name, file.dataPrefix, file.bytes.toString('utf8'));
  }
  if (Object.keys(modules).length === 0) {
    throw new WardenError('POLICY_LOAD_FAILED', `no .rego modules under ${config.paths.join(', ')}`);
  }

  let query;
  try {
    query = compile(modules, { data }).prepare(`decision = ${config.entrypoint}`);
  } catch (error) {
    // RegoError messages already read `file:row:col: code: message`, as OPA prints them.
    if (!(error instanceof RegoError)) throw error;
    throw new WardenError('POLICY_LOAD_FAILED', error.message, { cause: error, details: { locations: error.locations } });
  }

  return {
    name: 'rego',
    revision: revisionOf(files),
    files: files.map((file) => file.name),
    evaluate(input): RawResult {
      const [row] = query.evaluate({ input });
      return row === undefined || row.decision === undefined ? { defined: false } : { defined: true, value: row.decision };
    },
  };
}
