/**
 * Where a process made its hidden classes, most first: `node --import tsx bench/map-log-summary.ts
 * FILE [N]`, FILE written by `node --log-maps --no-log-maps-details --no-logfile-per-isolate
 * --logfile=FILE ...` (a gateway under load: `node ... bin/warden.js serve ...`). A position that
 * counts about once per call is a copy that makes a class per call (docs/architecture.md, "Hidden
 * classes on the call path").
 */
import { readFileSync } from 'node:fs';
import { newClassesByPosition } from '../testkit/support/map-log.ts';

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: map-log-summary FILE [N]\n');
  process.exit(2);
}
const counts = [...newClassesByPosition(readFileSync(file, 'utf8'))].sort((a, b) => b[1] - a[1]);
for (const [position, count] of counts.slice(0, Number(topArg ?? 30))) process.stdout.write(`${String(count).padStart(8)}  ${position}\n`);
