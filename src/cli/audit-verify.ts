import { readFileSync } from 'node:fs';
import { type AuditReader, type AuditTarget, type ChainKey, type Checkpoint, type CheckpointVerdict, loadPublicKey, matchCheckpoints, readCheckpoints } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import type { parseVerifyOptions } from './audit-options.ts';
import { renderVerify, renderVerifyReplicas } from './audit-render.ts';
import { auditTargetOf } from './audit-target.ts';
import type { Paint } from './colour.ts';
import { EXIT } from './exit-codes.ts';
import { renderJson } from './render.ts';

/**
 * `warden audit verify [--expect ...] [--checkpoints FILE --public-key FILE...]`: the chain walk
 * of either backend, with `--expect` marks and every signed checkpoint of the file as marks; the
 * first checkpoint the trail no longer matches is named (src/audit/checkpoints/match.ts).
 */
export interface VerifyIo {
  write(text: string): void;
  paint: Paint;
  withReader<T>(target: AuditTarget, use: (reader: AuditReader) => Promise<T>): Promise<T>;
  key: ChainKey | undefined;
  retiredKeys: ChainKey[];
}

type VerifyOptions = ReturnType<typeof parseVerifyOptions>;

function loadCheckpoints(options: VerifyOptions): Checkpoint[] | undefined {
  if (options.checkpoints === undefined) {
    if (options['public-key'].length > 0) throw new WardenError('USAGE', '--public-key: only used with --checkpoints FILE');
    return undefined;
  }
  if (options['public-key'].length === 0) throw new WardenError('USAGE', '--checkpoints: give the signers\' public keys with --public-key FILE (repeatable)');
  let text: string;
  try {
    text = readFileSync(options.checkpoints, 'utf8');
  } catch (error) {
    throw new WardenError('USAGE', `--checkpoints: ${options.checkpoints} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return readCheckpoints(text, options.checkpoints, options['public-key'].map(loadPublicKey));
}

function renderCheckpoints(verdict: CheckpointVerdict, paint: Paint): string {
  if (verdict.firstMismatch === null) return `${paint.green('checkpoints match')}: ${verdict.checked} signed checkpoints\n`;
  return `${paint.red('checkpoint no longer matches')}: ${verdict.firstMismatch.where}: ${verdict.firstMismatch.message}\n`;
}

export async function verifyCommand(options: VerifyOptions, io: VerifyIo): Promise<number> {
  const target = auditTargetOf(options);
  // The marks and checkpoints are checked before the database is opened: a bad command line is exit 2 whatever the database.
  const marks = options.expect.map((mark) => {
    if (target.backend === 'postgres' && mark.replica === undefined) throw new WardenError('USAGE', '--expect: on PostgreSQL a mark names its replica: REPLICA:SEQ:HASH');
    if (target.backend === 'sqlite' && mark.replica !== undefined) throw new WardenError('USAGE', '--expect: a SQLite log has one chain: SEQ:HASH');
    return mark;
  });
  const checkpoints = loadCheckpoints(options);
  for (const checkpoint of checkpoints ?? []) {
    if (target.backend === 'postgres' && checkpoint.replica === null) throw new WardenError('AUDIT_CHECKPOINT_INVALID', `${checkpoint.where}: a checkpoint of a SQLite trail (no replica), given for a PostgreSQL one`);
    if (target.backend === 'sqlite' && checkpoint.replica !== null) throw new WardenError('AUDIT_CHECKPOINT_INVALID', `${checkpoint.where}: a checkpoint of replica ${checkpoint.replica} (PostgreSQL), given for a SQLite trail`);
    marks.push({ ...(checkpoint.replica === null ? {} : { replica: checkpoint.replica }), seq: checkpoint.seq, hash: checkpoint.hash });
  }
  const { key, retiredKeys } = io;
  return io.withReader(target, async (reader) => {
    let ok: boolean;
    let text: string;
    let verdict: CheckpointVerdict | undefined;
    let report: object;
    if (reader.backend === 'postgres') {
      const result = await reader.verify({ expected: marks.map((m) => ({ replica: m.replica!, seq: m.seq, hash: m.hash })), key, retiredKeys });
      verdict = checkpoints && matchCheckpoints(checkpoints, result.chains.map((chain) => ({ replica: chain.replica, problem: chain.problem })));
      [ok, report, text] = [result.ok, result, renderVerifyReplicas(result, false, io.paint)];
    } else {
      const result = await reader.verify({ expected: marks.map((m) => ({ seq: m.seq, hash: m.hash })), key, retiredKeys });
      verdict = checkpoints && matchCheckpoints(checkpoints, [{ replica: null, problem: result.problem }]);
      [ok, report, text] = [result.ok, result, renderVerify(result, false, io.paint)];
    }
    ok &&= verdict?.firstMismatch == null;
    if (options.json) io.write(renderJson(verdict ? { ...report, ok, checkpoints: verdict } : report));
    else io.write(text + (verdict ? renderCheckpoints(verdict, io.paint) : ''));
    return ok ? EXIT.OK : EXIT.FAILURE;
  });
}
