import type { Progress } from '@modelcontextprotocol/client';
import type { ApprovalRecordOfCall, ApprovalStore, PendingApproval } from '../audit/index.ts';

export interface OperatorWait {
  store: ApprovalStore;
  pollMs: number;
  signal: AbortSignal;
  now(): number;
  /** The caller's progressToken, when it sent one: told at every poll that the call still waits. */
  progress?: (progress: Progress) => Promise<void>;
}

type OperatorResult = { result: Extract<ApprovalRecordOfCall['result'], 'approved' | 'declined' | 'cancelled' | 'timeout'>; by?: string };

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Mode operator: the pending row is written (a failure there is the caller's
 * APPROVAL_UNAVAILABLE, thrown), then read every `pollMs` until `warden approvals` decided it,
 * it expires, or the caller gives up. Giving up closes the row, unless an operator decided it in
 * that same moment: then the decision stands and is read once more.
 */
export async function waitForOperator(pending: PendingApproval, wait: OperatorWait): Promise<OperatorResult> {
  await wait.store.request(pending);
  const deadline = Date.parse(pending.expiresAt);
  const started = wait.now();
  for (;;) {
    await sleep(Math.min(wait.pollMs, Math.max(0, deadline - wait.now())), wait.signal);
    const row = await wait.store.read(pending.id);
    if (row?.status === 'approved') return { result: 'approved', ...(row.decidedBy === null ? {} : { by: row.decidedBy }) };
    if (row?.status === 'denied') return { result: 'declined', ...(row.decidedBy === null ? {} : { by: row.decidedBy }) };
    const ended = wait.signal.aborted ? 'cancelled' : wait.now() >= deadline ? 'expired' : undefined;
    if (ended !== undefined) {
      if (await wait.store.close(pending.id, ended, new Date(wait.now()).toISOString())) return { result: ended === 'expired' ? 'timeout' : 'cancelled' };
      continue;
    }
    await wait.progress?.({ progress: wait.now() - started, total: deadline - started, message: `waiting for an operator: warden approvals approve ${pending.id}` }).catch(() => undefined);
  }
}
