/**
 * `npm run bench [-- name ...]`: runs the benchmark modules below that exist, each in a fresh
 * process (`node --import tsx bench/<name>.bench.ts`) so one module's JIT state, heap and
 * leftover handles never colour the next, and prints their output under a heading. Exit code 1
 * if any module failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** In the order they run: the no-policy passthrough baseline first, then each stage's own cost. */
const MODULES = ['gateway', 'http', 'era', 'telemetry', 'auth', 'policy', 'rego', 'policy-test', 'audit', 'decision-ids', 'audit-postgres', 'cluster', 'integrity', 'approvals', 'limits', 'console', 'cli-startup'] as const;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(MODULES as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown module(s) ${unknown.join(', ')}; known: ${MODULES.join(', ')}\n`);
  process.exit(2);
}

let failed = 0;
for (const name of MODULES.filter((module) => requested.length === 0 || requested.includes(module))) {
  const file = fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url));
  if (!existsSync(file)) continue;
  process.stdout.write(`\n== ${name} (bench/${name}.bench.ts) ==\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    process.stdout.write(`-- ${name}: done in ${seconds} s\n`);
  } else {
    failed += 1;
    process.stdout.write(`-- ${name}: FAILED (${result.signal ?? `exit ${result.status}`}) after ${seconds} s\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
