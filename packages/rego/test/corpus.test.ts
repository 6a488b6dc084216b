/**
 * The policy corpus (test/corpus/README.md): each code base runs through the package's tester as
 * `warden policy test` runs it, and every one of its tests must pass.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderTestReport, runTests } from '../src/index.ts';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

function regoFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.rego')) files[relative(CORPUS, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

const CODE_BASES: Array<{ dir: string; v0Compatible?: boolean; minTests: number }> = [
  { dir: 'k8s-v0', v0Compatible: true, minTests: 10 },
  { dir: 'k8s-v1', minTests: 8 },
  { dir: 'linter', minTests: 10 },
  { dir: 'schema', minTests: 5 },
];

describe('policy corpus', () => {
  it.each(CODE_BASES)('$dir: every test passes', ({ dir, v0Compatible, minTests }) => {
    const files = regoFiles(join(CORPUS, dir));
    const report = runTests(files, {}, v0Compatible ? { v0Compatible } : {});
    const failures = report.results.filter((result) => result.outcome !== 'pass').map((result) => `${result.pkg}.${result.name}: ${result.outcome} ${result.error?.message ?? ''}`);
    expect(failures, renderTestReport(report, { verbose: false, sources: files, varValues: true })).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(minTests);
  });

  it('the v0 code base does not load without v0Compatible, and says so', () => {
    expect(() => runTests(regoFiles(join(CORPUS, 'k8s-v0')), {})).toThrow(/`if` keyword is required before rule body \(Rego v0 syntax/);
  });
});
