/** Runs many conformance cases and summarises them per directory. */
import { judge } from './judge.ts';
import type { Verdict } from './judge.ts';
import type { ConformanceCase } from './load.ts';

export interface CaseOutcome {
  case: ConformanceCase;
  verdict: Verdict;
}

export interface DirSummary {
  dir: string;
  passed: number;
  failed: number;
  skipped: number;
}

export function runCases(cases: ConformanceCase[]): CaseOutcome[] {
  return cases.map((c) => ({ case: c, verdict: judge(c) }));
}

export function summarise(outcomes: CaseOutcome[]): { dirs: DirSummary[]; total: Omit<DirSummary, 'dir'> } {
  const dirs = new Map<string, DirSummary>();
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const { case: c, verdict } of outcomes) {
    const dir = dirs.get(c.dir) ?? { dir: c.dir, passed: 0, failed: 0, skipped: 0 };
    dirs.set(c.dir, dir);
    const field = verdict.status === 'pass' ? 'passed' : verdict.status === 'fail' ? 'failed' : 'skipped';
    dir[field]++;
    total[field]++;
  }
  return { dirs: [...dirs.values()], total };
}

/** `file#index  reason` lines of the failing cases (the known-failures file format). */
export function knownFailureLines(outcomes: CaseOutcome[]): string[] {
  return outcomes.flatMap(({ case: c, verdict }) => (verdict.status === 'fail' ? [`${c.id}  ${verdict.reason.replace(/\s+/g, ' ').slice(0, 140)}`] : []));
}

export function parseKnownFailures(text: string): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [id, ...reason] = trimmed.split(/\s+/);
    known.set(id!, reason.join(' '));
  }
  return known;
}
