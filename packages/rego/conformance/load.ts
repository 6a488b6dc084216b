/**
 * Loads OPA's YAML conformance files. Integers are read losslessly (bigint) and narrowed to
 * numbers when safe, so the 7 expected values beyond 2^53 stay exact.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export interface ConformanceCase {
  /** `dir/file.yaml#index`: notes repeat, file + index does not. */
  id: string;
  dir: string;
  note: string;
  modules: string[];
  data?: unknown;
  input?: unknown;
  inputTerm?: string;
  query: string;
  wantResult?: Record<string, unknown>[];
  wantError?: string;
  wantErrorCode?: string;
  strictError: boolean;
  sortBindings: boolean;
  ignoreGeneratedVars: boolean;
  experimentalKeywords: boolean;
}

function narrow(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(narrow);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, narrow(item)]));
  }
  return value;
}

export function loadFile(path: string, root: string): ConformanceCase[] {
  const doc = narrow(parse(readFileSync(path, 'utf8'), { intAsBigInt: true })) as { cases?: Record<string, unknown>[] };
  const file = relative(root, path);
  const dir = file.split(/[\\/]/)[0]!;
  return (doc.cases ?? []).map((raw, index) => {
    const c: ConformanceCase = {
      id: `${file}#${index}`,
      dir,
      note: String(raw.note ?? ''),
      modules: (raw.modules as string[] | undefined) ?? [],
      query: String(raw.query ?? ''),
      strictError: raw.strict_error === true,
      sortBindings: raw.sort_bindings === true,
      ignoreGeneratedVars: raw.ignore_generated_vars === true,
      experimentalKeywords: raw.experimental_keywords === true,
    };
    if ('data' in raw) c.data = raw.data;
    if ('input' in raw) c.input = raw.input;
    if (typeof raw.input_term === 'string') c.inputTerm = raw.input_term;
    if (Array.isArray(raw.want_result)) c.wantResult = raw.want_result as Record<string, unknown>[];
    if (typeof raw.want_error === 'string') c.wantError = raw.want_error;
    if (typeof raw.want_error_code === 'string') c.wantErrorCode = raw.want_error_code;
    return c;
  });
}

/** Every case under the given directories (or files), in path order. */
export function loadCases(paths: string[], root: string): ConformanceCase[] {
  const files: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    } else if (path.endsWith('.yaml') || path.endsWith('.yml')) files.push(path);
  };
  paths.forEach(visit);
  return files.flatMap((file) => loadFile(file, root));
}
