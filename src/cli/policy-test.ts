/**
 * `warden policy test [PATH...]`: `opa test` with the gateway's engine (flags and output as
 * cmd/test.go and v1/tester/reporter.go). Exit 0 when every test passed, 2 when one failed,
 * errored or was skipped (`-z`: skipped tests are fine) or coverage is below `--threshold`, 1 when
 * the policies do not load.
 */
import { RegoError, renderTestReport, runTests, testReportJson, thresholdMessage } from '@mcp-warden/rego';
import { z } from 'zod';
import { durationFlag, parseCommandLine, wantsHelp } from './args.ts';
import { paintFor } from './colour.ts';
import { printHelp } from './policy.ts';
import { renderRegoError } from './rego-error-text.ts';
import { loadPolicySet } from '../policy/index.ts';
import { jsonText } from './policy-eval.ts';

const HELP = `usage: warden policy test [PATH...] [flags]     (default PATH: the working directory, without node_modules)

Runs every test_ rule of the .rego files under PATH; todo_test_ rules are reported as skipped.
Only data.json / data.yaml documents are mounted under data (by their directory), as opa test does.

  -r, --run REGEX           only tests whose full name (data.pkg.test_x) matches
  -v, --verbose             list passing tests too
      --format pretty|json  json: opa test's array of results (--json is the same)
      --var-values          show the variables of the expression that failed
  -c, --coverage            print the coverage report (JSON, as opa test --coverage)
      --threshold PCT       exit 2 when coverage is below PCT (implies --coverage)
      --bench               time each passing test
      --timeout DURATION    per test (default 5s, 30s with --bench)
  -z, --exit-zero-on-skipped  skipped tests do not make the exit code 2
      --v0-compatible       read the modules as Rego v0 (opa's flag of that name)
`;

const FLAGS = {
  run: { type: 'string', short: 'r' },
  verbose: { type: 'boolean', short: 'v' },
  format: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  'var-values': { type: 'boolean' },
  coverage: { type: 'boolean', short: 'c' },
  threshold: { type: 'string' },
  bench: { type: 'boolean' },
  timeout: { type: 'string' },
  'exit-zero-on-skipped': { type: 'boolean', short: 'z' },
  'v0-compatible': { type: 'boolean' },
} as const;

const schema = z.object({
  run: z.string().optional().refine((text) => text === undefined || isRegExp(text), 'not a valid regular expression'),
  verbose: z.boolean().default(false),
  format: z.enum(['pretty', 'json']).optional(),
  json: z.boolean().default(false),
  'var-values': z.boolean().default(false),
  coverage: z.boolean().default(false),
  threshold: z.string().regex(/^\d+(\.\d+)?$/, 'expected a percentage between 0 and 100').transform(Number).pipe(z.number().min(0).max(100)).optional(),
  bench: z.boolean().default(false),
  timeout: durationFlag().optional(),
  'exit-zero-on-skipped': z.boolean().default(false),
  'v0-compatible': z.boolean().default(false),
});

function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** `--bench` repeats each passing test for this long. */
const BENCH_MS = 200;

export async function testCommand(args: string[]): Promise<number> {
  if (wantsHelp(args)) return printHelp(HELP);
  const { values: flags, positionals } = parseCommandLine(args, FLAGS, schema);
  const coverage = flags.coverage || flags.threshold !== undefined;
  if (coverage && flags.bench) {
    process.stderr.write('warden policy test: coverage reporting is not supported when benchmarking tests\n');
    return 2;
  }
  const defaultPath = positionals.length === 0;
  const { modules, data } = await loadPolicySet(defaultPath ? ['.'] : positionals, process.cwd(), {
    tests: true,
    dataFiles: 'named',
    ...(defaultPath ? { skipDirectories: ['node_modules'] } : {}),
  });
  let report;
  try {
    report = runTests(modules, data, {
      ...(flags.run !== undefined ? { run: flags.run } : {}),
      timeoutMs: flags.timeout ?? (flags.bench ? 30_000 : 5000),
      coverage,
      varValues: flags['var-values'],
      v0Compatible: flags['v0-compatible'],
      ...(flags.bench ? { benchMs: BENCH_MS } : {}),
    });
  } catch (error) {
    if (!(error instanceof RegoError)) throw error;
    process.stderr.write(renderRegoError(error, modules));
    return 1;
  }
  const failed = report.failed + report.errored > 0 || (report.skipped > 0 && !flags['exit-zero-on-skipped']);
  const paint = paintFor(process.stdout);
  const colours = { PASS: paint.green, FAIL: paint.red, ERROR: paint.red, SKIPPED: paint.yellow } as const;
  const pretty = (): string =>
    renderTestReport(report, { verbose: flags.verbose, sources: modules, varValues: flags['var-values'], paintOutcome: (outcome, word) => colours[outcome](word) });
  if (coverage && report.coverage) {
    // As opa test --coverage: the coverage document on stdout, failures (if any) in text instead.
    if (report.failed + report.errored > 0) {
      process.stdout.write(pretty());
      return 2;
    }
    process.stdout.write(`${JSON.stringify(report.coverage, null, 2)}\n`);
    if (flags.threshold !== undefined && report.coverage.coverage < flags.threshold) {
      process.stderr.write(thresholdMessage(report.coverage, flags.threshold));
      return 2;
    }
    return failed ? 2 : 0;
  }
  process.stdout.write(flags.json || flags.format === 'json' ? `${jsonText(testReportJson(report), 2)}\n` : pretty());
  return failed ? 2 : 0;
}
