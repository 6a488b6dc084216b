/**
 * `npm run conformance -w @mcp-warden/rego -- [DIR...] [--json] [-v] [--write-known-failures]`: runs OPA's
 * conformance cases against our engine and prints a table per directory, ending with
 * `N passed, M failed, K skipped`. Always exits 0: it is a measurement. `--write-known-failures`
 * regenerates conformance/known-failures.txt, which the vitest suite compares against.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCases } from './load.ts';
import { knownFailureLines, runCases, summarise } from './suite.ts';
import type { CaseOutcome } from './suite.ts';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** OPA's own cases, vendored with their LICENSE and SOURCE.txt (the OPA release they come from). */
export const DEFAULT_SUITE = resolve(packageRoot, 'test/opa-conformance/v1');
export const KNOWN_FAILURES = resolve(packageRoot, 'conformance/known-failures.txt');

export function renderTable(outcomes: CaseOutcome[], verbose: boolean): string {
  const { dirs, total } = summarise(outcomes);
  const width = Math.max(9, ...dirs.map((d) => d.dir.length));
  const lines = [`${'directory'.padEnd(width)}  passed  failed  skipped`];
  for (const d of dirs) lines.push(`${d.dir.padEnd(width)}  ${String(d.passed).padStart(6)}  ${String(d.failed).padStart(6)}  ${String(d.skipped).padStart(7)}`);
  if (verbose) {
    for (const { case: c, verdict } of outcomes) {
      if (verdict.status !== 'fail') continue;
      lines.push('', `FAIL ${c.id} ${c.note}: ${verdict.reason}`);
      if (verdict.detail) lines.push(verdict.detail.replace(/^/gm, '  '));
    }
  }
  lines.push('', `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return lines.join('\n');
}

export function main(args: string[]): number {
  const dirs = args.filter((arg) => !arg.startsWith('-'));
  const cases = loadCases(dirs.length > 0 ? dirs.map((dir) => resolve(dir)) : [DEFAULT_SUITE], DEFAULT_SUITE);
  const outcomes = runCases(cases);
  if (args.includes('--write-known-failures')) {
    const header = '# Conformance cases known to fail: `file#index  reason`. Regenerate with\n# npm run conformance -w @mcp-warden/rego -- --write-known-failures\n';
    writeFileSync(KNOWN_FAILURES, `${header}${knownFailureLines(outcomes).join('\n')}\n`);
  }
  if (args.includes('--json')) {
    const rows = outcomes.map(({ case: c, verdict }) => ({ id: c.id, note: c.note, ...verdict }));
    process.stdout.write(`${JSON.stringify({ summary: summarise(outcomes), cases: rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderTable(outcomes, args.includes('-v'))}\n`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
