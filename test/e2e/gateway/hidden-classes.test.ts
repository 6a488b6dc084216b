import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type FixtureHandle } from '../../../testkit/fixtures/spawn.ts';
import { startGatewayHttp, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { postModern } from '../../../testkit/support/rpc.ts';

/**
 * The call path makes no hidden class per call (docs/architecture.md, "Hidden classes on the
 * call path"). On Node 20 a warm `{ ...ctx, key }` made one per copy, and each kept its request
 * alive past the young generation (1.6 MB promoted per scavenge at 32 calls in flight). V8's map
 * log (`--log-maps`) records every new hidden class as a `map,Transition` line; two gateways
 * that answer different numbers of the same call log the same warm-up, so the difference over
 * the extra calls is what each call makes. Node's own AbortSignal still gets a class per object
 * on Node 20 (its private symbol keys); those are left out.
 */
const FEW = 100;
const MANY = 400;

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

  /** Map transitions a gateway logged over its whole life after answering `calls` new-era tools/call. */
  async function transitionsAfter(calls: number): Promise<number> {
    const home = mkdtempSync(join(dir, `${calls}-`));
    const log = join(home, 'v8.log');
    const config = writeGatewayConfig(home, { sink: upstream.entry });
    const gateway = await startGatewayHttp(config, {}, ['--log-maps', '--no-log-maps-details', '--no-logfile-per-isolate', `--logfile=${log}`]);
    try {
      for (let index = 0; index < calls; index += 1) {
        const { body } = await postModern(gateway.url, 'tools/call', { name: 'sink__echo', arguments: { message: `call ${index}` } });
        expect(body?.result?.content?.[0]?.text).toBe(`call ${index}`);
      }
    } finally {
      // V8 writes the rest of its log when the process exits.
      await gateway.close();
    }
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('map,Transition,') && !line.endsWith(')'))
      .length;
  }

  it('makes none per call once warm', async () => {
    const few = await transitionsAfter(FEW);
    const many = await transitionsAfter(MANY);
    const perCall = (many - few) / (MANY - FEW);
    // Before the fix: 10 per call of the gateway's own. A class made now and then (a late IC
    // transition, a reload) stays far below one per call.
    expect(perCall).toBeLessThan(0.2);
  }, 120_000);
});
