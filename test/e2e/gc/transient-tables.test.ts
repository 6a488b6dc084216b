import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What src/transient-tables.ts is for: a long-lived registry that requests pass through must not
 * carry them into the old generation. A plain Map does (the control: V8 chains the hash tables it
 * rebuilds, and once one is old every later entry is reachable from it), so this test would
 * notice a V8 that stopped doing that, as well as a table of ours that started.
 */
const CHURN = fileURLToPath(new URL('../../../testkit/fixtures/gc/registry-churn.ts', import.meta.url));

/** Mean bytes promoted per scavenge once requests flow through a registry of `kind`. */
function promotedPerScavenge(kind: string): number {
  const run = spawnSync(process.execPath, ['--expose-gc', '--trace-gc', '--trace-gc-nvp', '--import', 'tsx', CHURN, kind], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  const churn = run.stdout.slice(run.stdout.indexOf('churn\n'));
  const promoted = churn
    .split('\n')
    .filter((line) => /\bgc=s\b/.test(line))
    .map((line) => Number(/\bpromoted=(\d+)/.exec(line)?.[1]));
  expect(promoted.length).toBeGreaterThan(4);
  return promoted.reduce((sum, bytes) => sum + bytes, 0) / promoted.length;
}

describe('registries for per-call entries', () => {
  it('a plain Map promotes the requests that passed through it (the control)', () => {
    expect(promotedPerScavenge('map')).toBeGreaterThan(1024 * 1024);
  });

  it.each(['transient-map', 'transient-set'])('a %s promotes almost nothing', (kind) => {
    expect(promotedPerScavenge(kind)).toBeLessThan(256 * 1024);
  });
});
