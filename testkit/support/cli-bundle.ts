/**
 * The CLI as a published package ships it (scripts/build-cli.mjs: one esbuild bundle, a chunk per
 * command), built from this checkout's sources. The test run starts its gateways from it, which
 * start faster than under tsx (bundles.global.ts), and so does `npm run bench` (bench/run.ts),
 * whose CPU per call must be what a deployment pays: under tsx's loader esbuild's keepNames
 * transform adds a `defineProperty` to every closure the gateway creates.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the bundle into `outdir` (inside the package, so it finds node_modules above it) and returns its entry point. */
export function buildCliBundle(outdir: string): string {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--outdir', outdir], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the CLI bundle failed: ${built.stderr}`);
  return join(outdir, 'warden.js');
}
