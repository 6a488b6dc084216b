import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, all threads) a process has used so far, in µs, from
 * /proc/<pid>/stat; undefined where there is no procfs. On a shared, loaded machine wall-clock
 * latency mostly measures the scheduler; CPU per call measures the gateway itself.
 */
export function processCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name: state is [0], utime [11], stime [12] (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  // USER_HZ is 100 on every Linux that Node supports.
  return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
}
