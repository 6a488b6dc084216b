import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type FixtureHandle } from '../../../testkit/fixtures/spawn.ts';
import { startGatewayHttp, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { isNodeSymbol, newClassesByPosition } from '../../../testkit/support/map-log.ts';
import { postModern } from '../../../testkit/support/rpc.ts';

/**
 * The call path makes no hidden class per call (docs/architecture.md, "Hidden classes on the
 * call path"). On Node 20 a warm `{ ...ctx, key }` made one per copy, and each kept its request
 * alive past the young generation (1.6 MB promoted per scavenge at 32 calls in flight). V8's map
 * log (`--log-maps`) records every new hidden class as a `map,Transition` line; two gateways
 * that answer different numbers of the same call log the same warm-up, so the difference over
 * the extra calls is what each call makes; a failure names the positions that made them
 * (testkit/support/map-log.ts). Node's own AbortSignal still gets a class per object on Node 20
 * (its private symbol keys); those are left out.
 */
const FEW = 100;
const MANY = 1_100;
/** Calls in flight at once: the warm-up's own count of classes varies by about +-100 between runs. */
const IN_FLIGHT = 10;
/**
 * A traced client's context, which the gateway passes on in the upstream request's `_meta` with
 * tracing off: `{ ...params, _meta }` made a class per call there (own.ts, copyWith).
 */
const CLIENT_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('hidden classes on the new-era call path', () => {
  let upstream: FixtureHandle;
  let dir: string;

  beforeAll(async () => {
    upstream = await startFixture('kitchen-sink', 'http');
    dir = mkdtempSync(join(tmpdir(), 'warden-hidden-classes-'));
  });

  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** New hidden classes a gateway made over its whole life, by position, after answering `calls` new-era tools/call (a multiple of IN_FLIGHT). */
  async function classesAfter(calls: number): Promise<Map<string, number>> {
    const home = mkdtempSync(join(dir, `${calls}-`));
    const log = join(home, 'v8.log');
    const config = writeGatewayConfig(home, { sink: upstream.entry });
    const gateway = await startGatewayHttp(config, {}, ['--log-maps', '--no-log-maps-details', '--no-logfile-per-isolate', `--logfile=${log}`]);
    try {
      for (let first = 0; first < calls; first += IN_FLIGHT) {
        await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, offset) => {
          const { body } = await postModern(gateway.url, 'tools/call', { name: 'sink__echo', arguments: { message: `call ${first + offset}` } }, { headers: { traceparent: CLIENT_TRACE } });
          expect(body?.result?.content?.[0]?.text).toBe(`call ${first + offset}`);
        }));
      }
    } finally {
      // V8 writes the rest of its log when the process exits.
      await gateway.close();
    }
    return newClassesByPosition(readFileSync(log, 'utf8'));
  }

  it('makes none per call once warm', async () => {
    const few = await classesAfter(FEW);
    const many = await classesAfter(MANY);
    const added = [...many]
      .filter(([position]) => !isNodeSymbol(position))
      .map(([position, count]) => [position, count - (few.get(position) ?? 0)] as const);
    const perCall = added.reduce((sum, [, count]) => sum + count, 0) / (MANY - FEW);
    // Before the fix: 11-12.9 per call. The warm-up's count varies by about +-100 classes between
    // two runs (+-0.1 per call over 1,000 calls); one site that makes a class per call is 1.
    const worst = added.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([position, count]) => `${count}x ${position}`);
    expect(perCall, `new classes over the extra calls, most first:\n${worst.join('\n')}`).toBeLessThan(0.5);
  }, 120_000);
});
