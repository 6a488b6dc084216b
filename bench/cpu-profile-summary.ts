/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time by function and by
 * package or source area, top N. `node --import tsx bench/cpu-profile-summary.ts FILE.cpuprofile [N]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: cpu-profile-summary FILE.cpuprofile [N]\n');
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

for (const id of profile.samples) {
  const { callFrame } = byId.get(id)!;
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  const where = area(callFrame.url, callFrame.functionName);
  byArea.set(where, (byArea.get(where) ?? 0) + 1);
}
const total = profile.samples.length;
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
