/**
 * `warden policy eval QUERY -d PATH... [-i INPUT]`: `opa eval` with the gateway's engine. Prints
 * the value of each expression of the query (and the bindings when the query has variables) as
 * `opa eval` does: `--format json` (default, `{"result": [...]}`), `pretty`, or `raw`.
 */
import { readFile } from 'node:fs/promises';
import { compile, evaluateQueryResults, RegoError, type QueryResult } from '@mcp-warden/rego';
import { z } from 'zod';
import { isWardenError, WardenError } from '../errors.ts';
import { loadPolicySet, loadSchemaSet, parseDocumentText } from '../policy/index.ts';
import { parseCommandLine, wantsHelp } from './args.ts';
import { printHelp } from './policy.ts';
import { renderRegoError } from './rego-error-text.ts';

const HELP = `usage: warden policy eval QUERY [-d PATH...] [-i INPUT] [--format json|pretty|raw]

Evaluates QUERY (e.g. data.mcp.authz) against the .rego modules and data documents under each -d
PATH (tests left out) and the input document in INPUT (.json, or .yaml/.yml).

  -d, --data PATH       policies and data (repeatable)
  -i, --input FILE      the input document
  -f, --format FORMAT   json (default): {"result": [{"expressions": [...], "bindings": {...}}]}
                        pretty: the value (a table of bindings when the query has variables)
                        raw: the value alone, strings unquoted
      --v0-compatible   read the modules as Rego v0 (opa's flag of that name)
  -s, --schema PATH     JSON schema(s) for the type checker, as opa's --schema: a file types
                        input; a directory's files are schema.<path> for METADATA schemas
`;

const FLAGS = {
  data: { type: 'string', short: 'd', multiple: true },
  input: { type: 'string', short: 'i' },
  format: { type: 'string', short: 'f' },
  /** Kept for scripts written before --format: JSON is the default. */
  json: { type: 'boolean' },
  'v0-compatible': { type: 'boolean' },
  schema: { type: 'string', short: 's' },
} as const;

const schema = z.object({
  data: z.array(z.string()).default([]),
  input: z.string().optional(),
  format: z.enum(['json', 'pretty', 'raw']).optional(),
  json: z.boolean().default(false),
  'v0-compatible': z.boolean().default(false),
  schema: z.string().optional(),
});

/** JSON text that writes integers beyond 2^53 exactly (results keep them as bigint). */
export function jsonText(value: unknown, indent: number): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${marker}${v}` : v), indent || undefined);
  return text.replace(new RegExp(`"${marker.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}

/** Reads an input document; a missing or malformed file is a usage error naming it (and line:column). */
export async function readInputDocument(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WardenError('USAGE', `--input ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return parseDocumentText(path, text, /\.ya?ml$/i.test(path) ? 'yaml' : 'json');
  } catch (error) {
    if (!isWardenError(error)) throw error;
    throw new WardenError('USAGE', `--input ${error.message}`);
  }
}

/** Evaluates a query against the policies and data under `paths` (as `opa eval -d`). */
async function evaluateQuery(query: string, paths: string[], inputPath?: string, options: { v0Compatible?: boolean; schema?: string } = {}): Promise<QueryResult[]> {
  const input = inputPath === undefined ? undefined : await readInputDocument(inputPath);
  const { modules, data } = await loadPolicySet(paths, process.cwd(), { tests: false, dataFiles: 'all' });
  const schemas = options.schema === undefined ? undefined : await loadSchemaSet(options.schema, process.cwd());
  try {
    return evaluateQueryResults(compile(modules, { data, v0Compatible: options.v0Compatible === true, ...(schemas ? { schemas } : {}) }), query, input === undefined ? {} : { input });
  } catch (error) {
    if (error instanceof RegoError) throw Object.assign(error, { modules });
    throw error;
  }
}

export async function evalCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) return printHelp(HELP);
  const { values: flags, positionals } = parseCommandLine(args, FLAGS, schema);
  if (positionals.length !== 1) throw new WardenError('USAGE', positionals.length === 0 ? 'a QUERY is required (e.g. data.mcp.authz)' : `one QUERY expected, got ${positionals.length} (quote a query with spaces)`);
  let results: QueryResult[];
  try {
    results = await evaluateQuery(positionals[0]!, flags.data, flags.input, { v0Compatible: flags['v0-compatible'], ...(flags.schema !== undefined ? { schema: flags.schema } : {}) });
  } catch (error) {
    if (!(error instanceof RegoError)) throw error;
    process.stderr.write(renderRegoError(error, (error as RegoError & { modules?: Record<string, string> }).modules ?? {}));
    return 1;
  }
  process.stdout.write(renderResults(results, flags.format ?? 'json'));
  return 0;
}

function renderResults(results: QueryResult[], format: 'json' | 'pretty' | 'raw'): string {
  switch (format) {
    case 'json':
      return `${jsonText(results.length === 0 ? {} : { result: results }, 2)}\n`;
    case 'raw':
      return results.flatMap((r) => r.expressions.map((e) => (typeof e.value === 'string' ? `${e.value}\n` : `${jsonText(e.value, 2)}\n`))).join('');
    case 'pretty': {
      if (results.length === 0) return 'undefined\n';
      if (results.every((r) => r.bindings === undefined)) return results.flatMap((r) => r.expressions.map((e) => `${jsonText(e.value, 2)}\n`)).join('');
      return bindingsTable(results);
    }
  }
}

/** opa eval --format pretty with variables: one column per variable, one row per solution. */
function bindingsTable(results: QueryResult[]): string {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.bindings ?? {})))];
  const rows = results.map((r) => names.map((name) => (r.bindings && name in r.bindings ? jsonText(r.bindings[name], 0) : '')));
  const widths = names.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return `${[rule, line(names), rule, ...rows.map(line), rule].join('\n')}\n`;
}
