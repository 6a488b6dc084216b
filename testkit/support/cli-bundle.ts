/**
 * The CLI as a published package ships it (scripts/build-cli.mjs: one esbuild bundle, a chunk per
 * command), built from this checkout's sources. The test run starts its gateways from it
 * (bundles.global.ts), and so does `npm run bench` (bench/run.ts): a gateway under tsx's loader
 * pays for esbuild's keepNames transform, a `defineProperty` on every closure it creates, which
 * the bundle does not, so its CPU per call is not what a deployment sees.
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
