/**
 * Vitest global setup: builds the CLI (scripts/build-cli.mjs) and the fixture servers once per
 * run, and points the harness at the bundles through the environment the test workers inherit
 * (WARDEN_TEST_CLI, WARDEN_TEST_FIXTURES). Why: a `warden` or fixture start under tsx's loader
 * costs 0.6-1 s more CPU than the same code bundled, and the suite starts several hundred of them.
 * The bundles are built from the sources of this checkout, so they run what the suite checks; a
 * few tests still start bin/warden.js itself (test/e2e/gateway/cli.test.ts), which is what a
 * checkout's `npm start` runs. Each run builds into its own folder under tmp/ (inside the package,
 * so the bundles find node_modules and package.json above them) and removes it at the end.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildCliBundle } from './cli-bundle.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The fixture servers tests start as processes (testkit/fixtures/spawn.ts). */
const FIXTURES = ['kitchen-sink', 'conformance-server', 'conformance-modern', 'modern-only', 'modern-kitchen', 'env-dump-sink', 'relay-server'] as const;

export default async function setup(): Promise<() => void> {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', 'test-bundles-'));
  const cli = buildCliBundle(join(dir, 'cli'));
  await build({
    entryPoints: FIXTURES.map((name) => join(ROOT, 'testkit/fixtures', `${name}.ts`)),
    outdir: join(dir, 'fixtures'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  process.env.WARDEN_TEST_CLI = cli;
  process.env.WARDEN_TEST_FIXTURES = join(dir, 'fixtures');
  return () => rmSync(dir, { recursive: true, force: true });
}
