/**
 * Issue 13, hole 3: a hidden tool and an unknown one gave identical answers, but the hidden one
 * took ~250 us longer (a policy evaluation and a committed deny row), enough for a classifier.
 * Through a real gateway over stdio (the transport with the least noise, so the test has the
 * power to see such a gap), samples of both are taken interleaved in random order and compared
 * with a rank test; the gap is gone when the test cannot tell them apart at p < 0.001.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mannWhitneyP } from './mann-whitney.ts';
import { openRecordingWorld, type OpenWorld } from '../../support/worlds/recording.ts';

const POLICY = `package mcp.authz

default allow := false

# Every tool but the upstream's "calls" may be seen and called.
allow if {
	input.method in {"tools/list", "tools/call"}
	input.tool.upstream_name != "calls"
}
`;
const HIDDEN = 'up__calls';
const UNKNOWN = 'up__callz';
const PAIRS = 400;

let id = 0;
let t: OpenWorld;

beforeAll(async () => void (t = await openRecordingWorld({ policy: POLICY, stdio: true })), 60_000);
afterAll(() => t?.close());

async function timedCall(name: string): Promise<number> {
  const n = ++id;
  const started = process.hrtime.bigint();
  const reply = await t.stdio.send(`{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":{"name":"${name}","arguments":{}}}`, n);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  expect(reply.error?.data).toEqual({ code: 'TOOL_NOT_FOUND', name });
  return elapsed;
}

describe('hole 3: timing does not tell hidden tools from unknown ones', () => {
  it('hidden and unknown names cost the same (Mann-Whitney U, interleaved samples)', async () => {
    for (let i = 0; i < 100; i++) await timedCall(i % 2 ? HIDDEN : UNKNOWN); // warm-up: JIT, caches, the WAL
    const hidden: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // Random order inside each pair: drift of the machine's load hits both alike.
      if (Math.random() < 0.5) {
        hidden.push(await timedCall(HIDDEN));
        unknown.push(await timedCall(UNKNOWN));
      } else {
        unknown.push(await timedCall(UNKNOWN));
        hidden.push(await timedCall(HIDDEN));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const p = mannWhitneyP(hidden, unknown);
    expect(p, `median hidden ${median(hidden).toFixed(0)} us, unknown ${median(unknown).toFixed(0)} us`).toBeGreaterThan(0.001);
  }, 120_000);
});
