/**
 * JSON schemas for Rego's type checker, read as `opa --schema PATH` reads them: a file is the
 * schema of `input` for every rule (ref `schema`); a directory gives one schema per .json/.yaml
 * file, named by its path (`DIR/kubernetes/admission.json` is `schema.kubernetes.admission`), for
 * `# METADATA schemas:` annotations to name.
 */
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { WardenError } from '../errors.ts';
import { parseDocumentText } from './data-documents.ts';
import { readPolicyFiles, resolvePolicyPath } from './files.ts';

const SCHEMA_FILE = /\.(json|ya?ml)$/i;

export async function loadSchemaSet(path: string, baseDir: string): Promise<Record<string, unknown>> {
  const info = await stat(resolvePolicyPath(path, baseDir)).catch((error: unknown) => {
    throw new WardenError('USAGE', `--schema ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  });
  const files = await readPolicyFiles([path], baseDir, (file) => SCHEMA_FILE.test(file));
  const set: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const file of files) {
    const document = parseDocumentText(file.name, file.bytes.toString('utf8'), /\.json$/i.test(file.name) ? 'json' : 'yaml');
    const name = basename(file.absolutePath, extname(file.absolutePath));
    set[info.isDirectory() ? ['schema', ...file.dataPrefix, name].join('.') : 'schema'] = document;
  }
  return set;
}
