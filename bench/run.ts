/**
 * `npm run bench [-- name ...]`: runs the benchmark modules below that exist, each in a fresh
 * process (`node --import tsx bench/<name>.bench.ts`) so one module's JIT state, heap and
 * leftover handles never colour the next, and prints their output under a heading. Exit code 1
 * if any module failed.
 *
 * Gateway processes run the CLI bundle a published package ships, built from this checkout for
 * the run (testkit/support/cli-bundle.ts): under tsx's loader the same gateway spent 7-12% more
 * CPU per call at 32 in flight over HTTP (bench/http-ab.ts, 2026-12-07). `--sources` runs
 * bin/warden.js under tsx instead, as a checkout's `npm start` does. A module run on its own
 * (`node --import tsx bench/http.bench.ts`) starts bin/warden.js unless WARDEN_TEST_CLI names a CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCliBundle } from '../testkit/support/cli-bundle.ts';

/** In the order they run: what waking from idle costs on this machine, the no-policy passthrough baseline, then each stage's own cost. */
const MODULES = ['idle-wake', 'gateway', 'http', 'era', 'telemetry', 'auth', 'policy', 'rego', 'policy-test', 'audit', 'decision-ids', 'audit-postgres', 'cluster', 'integrity', 'approvals', 'limits', 'console', 'cli-startup'] as const;

const sources = process.argv.includes('--sources');
const requested = process.argv.slice(2).filter((arg) => arg !== '--sources');
const unknown = requested.filter((name) => !(MODULES as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown module(s) ${unknown.join(', ')}; known: ${MODULES.join(', ')}, and the flag --sources\n`);
  process.exit(2);
}

/** The bundle's folder for this run: inside the package, so it finds node_modules above it; removed at the end. */
function bundleDirectory(): string {
  const tmp = fileURLToPath(new URL('../tmp/', import.meta.url));
  mkdirSync(tmp, { recursive: true });
  return mkdtempSync(join(tmp, 'bench-cli-'));
}
const bundleDir = sources ? undefined : bundleDirectory();
const env = bundleDir === undefined ? process.env : { ...process.env, WARDEN_TEST_CLI: buildCliBundle(bundleDir) };
process.stdout.write(sources ? 'gateways: bin/warden.js, the sources under tsx (--sources)\n' : 'gateways: the CLI bundle a published package ships, built from this checkout\n');

let failed = 0;
for (const name of MODULES.filter((module) => requested.length === 0 || requested.includes(module))) {
  const file = fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url));
  if (!existsSync(file)) continue;
  process.stdout.write(`\n== ${name} (bench/${name}.bench.ts) ==\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    process.stdout.write(`-- ${name}: done in ${seconds} s\n`);
  } else {
    failed += 1;
    process.stdout.write(`-- ${name}: FAILED (${result.signal ?? `exit ${result.status}`}) after ${seconds} s\n`);
  }
}
if (bundleDir !== undefined) rmSync(bundleDir, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
