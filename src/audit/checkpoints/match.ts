import type { ChainProblem } from '../chain-walk.ts';
import type { Checkpoint } from './statement.ts';

/**
 * Which signed checkpoint a broken chain no longer matches. The checkpoints were passed to the
 * chain walk as marks (chain-walk.ts), so a rewrite shows as the mark it broke; any other break
 * (an edit that was not recomputed, rows cut off with the head left in place) breaks every
 * checkpoint at or after it. The first, in the file's order, is named.
 */
export interface CheckpointMismatch {
  where: string;
  replica: string | null;
  seq: number;
  time: string;
  message: string;
}

export interface CheckpointVerdict {
  checked: number;
  firstMismatch: CheckpointMismatch | null;
}

export interface ChainOutcome {
  replica: string | null;
  problem: ChainProblem | null;
}

export function matchCheckpoints(checkpoints: readonly Checkpoint[], chains: readonly ChainOutcome[]): CheckpointVerdict {
  const order = new Map(checkpoints.map((checkpoint, index) => [checkpoint, index]));
  let first: { index: number; mismatch: CheckpointMismatch } | undefined;
  for (const { replica, problem } of chains) {
    if (problem === null) continue;
    const own = checkpoints.filter((checkpoint) => checkpoint.replica === replica);
    const { mark } = problem;
    const broken =
      (mark && own.find((checkpoint) => checkpoint.seq === mark.seq && checkpoint.hash === mark.hash)) ??
      own.filter((checkpoint) => checkpoint.seq >= problem.seq).sort((a, b) => a.seq - b.seq || order.get(a)! - order.get(b)!)[0];
    if (broken === undefined) continue;
    const index = order.get(broken)!;
    if (first !== undefined && first.index <= index) continue;
    first = {
      index,
      mismatch: {
        where: broken.where, replica, seq: broken.seq, time: broken.time,
        message: `the checkpoint of seq ${broken.seq}${replica === null ? '' : ` of replica ${replica}`} signed at ${broken.time} no longer matches: ${problem.kind} at seq ${problem.seq}: ${problem.message}`,
      },
    };
  }
  return { checked: checkpoints.length, firstMismatch: first?.mismatch ?? null };
}
