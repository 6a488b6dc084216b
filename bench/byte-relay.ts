/**
 * The floor of any stdio relay on this machine: a process in the middle that copies bytes both
 * ways and does nothing else (no parsing, no policy, no audit). Whatever a gateway adds beyond
 * this is its own work; this much is the price of one more process and two more pipe hops.
 * Usage: `node bench/byte-relay.ts <command> [args...]` (run through tsx by the gateway bench).
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('byte-relay: expected the upstream command to start\n');
  process.exit(2);
}
const upstream = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(upstream.stdin);
upstream.stdout.pipe(process.stdout);
// The client closing stdin ends the relay and its upstream together.
process.stdin.on('end', () => upstream.kill());
upstream.on('exit', (code) => process.exit(code ?? 1));
