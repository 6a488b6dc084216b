/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time by function and by
 * package or source area, top N. `node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [N] [--from S]`.
 * `--from S` counts only samples taken S seconds or more after the profile started, so a run's
 * steady state is not mixed with the gateway's start (tsx compiling, modules loading).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs since the previous sample, one per sample. */
  timeDeltas: number[];
}

const fromArg = process.argv.indexOf('--from');
const fromUs = fromArg === -1 ? 0 : Number(process.argv[fromArg + 1]) * 1e6;
const [file, topArg] = process.argv.slice(2).filter((_, index, args) => args[index] !== '--from' && args[index - 1] !== '--from');
if (file === undefined) {
  process.stderr.write('usage: cpu-profile-summary FILE.cpuprofile [N] [--from S]\n');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();

/** node_modules/<package>, src/<dir>, node:<module>, or the V8 pseudo-frame ((garbage collector), (idle), ...). */
function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
}

let elapsedUs = 0;
let counted = 0;
for (const [index, id] of profile.samples.entries()) {
  elapsedUs += profile.timeDeltas[index] ?? 0;
  if (elapsedUs < fromUs) continue;
  counted += 1;
  const { callFrame } = byId.get(id)!;
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  const where = area(callFrame.url, callFrame.functionName);
  byArea.set(where, (byArea.get(where) ?? 0) + 1);
}
const total = counted;
const busy = total - (byArea.get('(idle)') ?? 0);
const print = (title: string, counts: Map<string, number>) => {
  process.stdout.write(`\n${title} (% of ${busy} busy samples)\n`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (name.startsWith('(idle)')) continue;
    process.stdout.write(`${((100 * n) / busy).toFixed(1).padStart(6)}%  ${name}\n`);
  }
};
print('by area', byArea);
print('by function', byFunction);
