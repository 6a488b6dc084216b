/**
 * `warden policy check PATH... [--strict]`: every parse error of every file, then every compile
 * error of the set (as `opa check`). The compiler stops at its first error, so after each one the
 * rule it names is set aside (its body emptied, or the rule removed) and the set compiled again:
 * the errors of the other rules still appear, at most MAX_ERRORS of them.
 */
import { checkStrict, parseModule, PolicySet, RegoError } from '@mcp-warden/rego';
import type { CompileOptions, Module } from '@mcp-warden/rego';
import { z } from 'zod';
import { parseCommandLine, wantsHelp } from './args.ts';
import { printHelp } from './policy.ts';
import { renderRegoError } from './rego-error-text.ts';
import { loadPolicySet, loadSchemaSet } from '../policy/index.ts';

const HELP = `usage: warden policy check [PATH...] [--strict] [--max-errors N] [--schema PATH]

Parses and compiles the .rego files under each PATH (default: the working directory) and prints
every error with its source line. --strict adds opa check --strict's checks: unused imports and
local variables assigned and never used. --v0-compatible reads the modules as Rego v0 (opa's flag
of that name). --schema (-s) gives the type checker JSON schemas as opa's does: a file types
\`input\` for every rule (a ref to a field it lacks is an error); a directory's files are named
schema.<path> for \`# METADATA schemas:\` annotations. Exit 1 on any error.
`;

const FLAGS = { strict: { type: 'boolean', short: 'S' }, 'max-errors': { type: 'string', short: 'm' }, 'v0-compatible': { type: 'boolean' }, schema: { type: 'string', short: 's' } } as const;
const schema = z.object({
  strict: z.boolean().default(false),
  schema: z.string().optional(),
  'v0-compatible': z.boolean().default(false),
  'max-errors': z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).optional(),
});

/** Compile errors reported at most (opa check: 10 by default; 0 means no limit there too). */
const MAX_ERRORS = 100;

async function checkPolicies(paths: string[], options: { strict?: boolean; maxErrors?: number; v0Compatible?: boolean; schema?: string } = {}): Promise<{ modules: Record<string, string>; errors: RegoError[] }> {
  const { modules, data } = await loadPolicySet(paths, process.cwd(), { tests: true, dataFiles: 'all' });
  const schemas = options.schema === undefined ? undefined : await loadSchemaSet(options.schema, process.cwd());
  const errors: RegoError[] = [];
  const parsed: Module[] = [];
  for (const [file, source] of Object.entries(modules)) {
    try {
      parsed.push(parseModule(file, source, { v0Compatible: options.v0Compatible === true }));
    } catch (error) {
      if (!(error instanceof RegoError)) throw error;
      errors.push(error);
    }
  }
  if (options.strict) errors.push(...parsed.flatMap(checkStrict));
  errors.push(...compileErrors(parsed, { data, schemas }, options.maxErrors || MAX_ERRORS));
  return { modules, errors: errors.sort(byLocation) };
}

function compileErrors(modules: Module[], options: CompileOptions, limit: number): RegoError[] {
  const errors: RegoError[] = [];
  const setAside = new Set<unknown>();
  while (errors.length < limit) {
    try {
      new PolicySet(modules, options);
      return errors;
    } catch (error) {
      if (!(error instanceof RegoError)) throw error;
      errors.push(error);
      if (!setAside.has(error.message) && setRuleAside(modules, error)) setAside.add(error.message);
      else return errors;
    }
  }
  return errors;
}

/** Empties the body of the rule the error points into (or removes it if that was done already). */
function setRuleAside(modules: Module[], error: RegoError): boolean {
  const at = error.locations[0];
  const module = at && modules.find((m) => m.file === at.file);
  if (!at || !module) return false;
  let index = -1;
  module.rules.forEach((rule, i) => {
    if (rule.loc.row <= at.row && (index < 0 || rule.loc.row >= module.rules[index]!.loc.row)) index = i;
  });
  if (index < 0) return false;
  const rule = module.rules[index]!;
  const head = rule.head;
  const emptied = rule.body.length === 0 && rule.else === undefined;
  const refVars = head.ref.type === 'ref' && head.ref.path.some((term) => term.type !== 'scalar');
  if (emptied || refVars) {
    module.rules.splice(index, 1);
    return true;
  }
  const truth = { type: 'scalar' as const, value: true, loc: rule.loc };
  module.rules[index] = {
    ...rule,
    body: [],
    head: { ...head, ...(head.value ? { value: truth } : {}), ...(head.key ? { key: truth } : {}) },
    else: undefined,
  } as typeof rule;
  return true;
}

function byLocation(a: RegoError, b: RegoError): number {
  const x = a.locations[0];
  const y = b.locations[0];
  if (!x || !y) return x ? -1 : y ? 1 : 0;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.row - y.row || x.col - y.col;
}

export async function checkCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) return printHelp(HELP);
  const { values: flags, positionals } = parseCommandLine(args, FLAGS, schema);
  const { modules, errors } = await checkPolicies(positionals.length > 0 ? positionals : ['.'], {
    strict: flags.strict,
    v0Compatible: flags['v0-compatible'],
    ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
    ...(flags['max-errors'] !== undefined ? { maxErrors: flags['max-errors'] } : {}),
  });
  for (const error of errors) process.stderr.write(renderRegoError(error, modules));
  if (errors.length > 0) process.stderr.write(`${errors.length} error${errors.length === 1 ? '' : 's'} occurred\n`);
  else process.stdout.write(`${Object.keys(modules).length} module(s) OK\n`);
  return errors.length > 0 ? 1 : 0;
}
