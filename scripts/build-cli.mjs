// `npm run build` (and `prepack`): the CLI as one ES module, dist/cli/warden.js, so a published
// package starts without compiling TypeScript at every start (tsx's loader alone costs ~0.4 s of
// CPU per start; see bench/cli-startup.bench.ts). Dependencies stay in node_modules; the Rego
// workspace package is bundled in. A checkout keeps running the sources (bin/warden.js).
// `--outdir DIR` builds elsewhere (the test run's own copy, testkit/support/bundles.global.ts); DIR
// must lie inside the package, so the bundle finds node_modules and package.json above it.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const dependenciesOf = (file) => Object.keys(JSON.parse(readFileSync(new URL(file, root), 'utf8')).dependencies ?? {});
const external = [...new Set([...dependenciesOf('package.json'), ...dependenciesOf('packages/rego/package.json')])]
  .filter((name) => !name.startsWith('@mcp-warden/'))
  .flatMap((name) => [name, `${name}/*`]);
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist/cli' } } });
const outdir = pathToFileURL(`${resolve(new URL('.', root).pathname, values.outdir)}/`);

mkdirSync(outdir, { recursive: true });
await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: { warden: 'src/cli/main.ts' },
  outdir: outdir.pathname,
  // One chunk per command (the dispatcher imports them lazily), so `warden --version` or `warden
  // token` does not load the gateway, the audit store and the Rego engine first.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'warning',
  // JSON documents of dependencies are inlined: esbuild drops the `with { type: 'json' }` of an
  // external import, and Node refuses a JSON module without it.
  plugins: [{
    name: 'inline-json',
    setup(builder) {
      const require = createRequire(new URL('package.json', root));
      builder.onResolve({ filter: /\.json$/ }, (args) => (args.path.startsWith('.') ? undefined : { path: require.resolve(args.path) }));
    },
  }],
});
// A worker thread is started from a file beside the module that starts it (a chunk).
for (const worker of ['checkpoint-worker.js', 'overview-worker.js']) copyFileSync(new URL(`src/audit/sqlite/${worker}`, root), new URL(`chunks/${worker}`, outdir));
