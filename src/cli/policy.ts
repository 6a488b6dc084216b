/**
 * `warden policy test|eval|check`: the Rego engine from the command line. Each subcommand is a
 * function returning data; rendering is separate; exit codes mean something:
 *   test:  0 all passed, 2 a test failed or errored, 1 the policies could not be loaded;
 *   eval:  0 evaluated (even if undefined), 1 load or evaluation error;
 *   check: 0 clean, 1 any parse or compile error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compile, RegoError, parseModule, renderTestReport, runTests } from '@mcp-warden/rego';
import type { JsonValue } from '@mcp-warden/rego';
import { isWardenError } from '../errors.ts';
import { loadPolicies, renderRegoError } from './policy-load.ts';

const USAGE = `usage:
  warden policy test [PATH...] [--run REGEX] [-v] [--json]
  warden policy eval QUERY -d PATH... [-i INPUT.json] [--json]
  warden policy check PATH...
`;

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'test':
        return await testCommand(rest);
      case 'eval':
        return await evalCommand(rest);
      case 'check':
        return await checkCommand(rest);
      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`warden policy: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (isWardenError(error)) {
      process.stderr.write(`warden policy: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function testCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { run: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
  });
  const { modules, data } = await loadPolicies(positionals.length > 0 ? positionals : ['.']);
  let report;
  try {
    report = runTests(modules, data, values.run === undefined ? {} : { run: values.run });
  } catch (error) {
    if (!(error instanceof RegoError)) throw error;
    process.stderr.write(renderRegoError(error, modules));
    return 1;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderTestReport(report, values.verbose === true));
  return report.failed + report.errored > 0 ? 2 : 0;
}

/** Evaluates a query against the policies and data under `-d` paths. */
export async function evaluateQuery(query: string, paths: string[], inputPath?: string): Promise<Array<Record<string, JsonValue>>> {
  const { modules, data } = await loadPolicies(paths, { tests: false });
  const input = inputPath === undefined ? undefined : JSON.parse(await readFile(inputPath, 'utf8'));
  return compile(modules, { data }).evaluate(query, input === undefined ? {} : { input });
}

async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { data: { type: 'string', short: 'd', multiple: true }, input: { type: 'string', short: 'i' }, json: { type: 'boolean' } },
  });
  const query = positionals[0];
  if (query === undefined || positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const paths = values.data ?? [];
  try {
    const results = await evaluateQuery(query, paths, values.input);
    if (values.json) process.stdout.write(`${jsonText({ result: results }, 0)}\n`);
    else process.stdout.write(results.length === 0 ? 'undefined\n' : `${results.map((row) => jsonText(row, 2)).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof RegoError)) throw error;
    const { modules } = await loadPolicies(paths, { tests: false }).catch(() => ({ modules: {} }));
    process.stderr.write(renderRegoError(error, modules));
    return 1;
  }
}

/** JSON text that writes integers beyond 2^53 exactly (results keep them as bigint). */
export function jsonText(value: unknown, indent: number): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${marker}${v}` : v), indent || undefined);
  return text.replace(new RegExp(`"${marker.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}

/** Parse errors of every file, then compile errors of the whole set. */
export async function checkPolicies(paths: string[]): Promise<{ modules: Record<string, string>; errors: RegoError[] }> {
  const { modules, data } = await loadPolicies(paths);
  const errors: RegoError[] = [];
  for (const [file, source] of Object.entries(modules)) {
    try {
      parseModule(file, source);
    } catch (error) {
      if (!(error instanceof RegoError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length === 0) {
    try {
      compile(modules, { data });
    } catch (error) {
      if (!(error instanceof RegoError)) throw error;
      errors.push(error);
    }
  }
  return { modules, errors };
}

async function checkCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const { modules, errors } = await checkPolicies(positionals.length > 0 ? positionals : ['.']);
  for (const error of errors) process.stderr.write(renderRegoError(error, modules));
  if (errors.length === 0) process.stdout.write(`${Object.keys(modules).length} module(s) OK\n`);
  return errors.length > 0 ? 1 : 0;
}
