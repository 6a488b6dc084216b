/**
 * What a `warden` start costs: the checkout's way (bin/warden.js: tsx's loader compiles the
 * TypeScript sources) against the published bundle (dist/cli/warden.js, `npm run build`), for
 * `--version` (start-up alone) and `policy test policies/` (start-up plus the Rego engine).
 * Each sample is a fresh process; the two ways are interleaved so machine noise hits both alike.
 * Run alone: `node --import tsx bench/cli-startup.bench.ts`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLES = 15;
const WAYS = { 'tsx (checkout)': 'bin/warden.js', 'bundle (published)': 'dist/cli/warden.js' } as const;
const COMMANDS = { '--version': ['--version'], 'policy test policies/': ['policy', 'test', 'policies'] } as const;

execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT });
const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rows: string[] = [];
for (const [command, args] of Object.entries(COMMANDS)) {
  const times = new Map<string, number[]>(Object.keys(WAYS).map((way) => [way, []]));
  for (let i = 0; i < SAMPLES; i++) {
    for (const [way, entry] of Object.entries(WAYS)) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${result.status}`);
      times.get(way)!.push(performance.now() - started);
    }
  }
  for (const [way, values] of times) rows.push(`| ${command} | ${way} | ${p50(values).toFixed(0)} | ${Math.min(...values).toFixed(0)} |`);
}
process.stdout.write(`| command | way | p50 ms | min ms |\n|---|---|---|---|\n${rows.join('\n')}\n`);
