import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { UpstreamSpec } from '../../../src/config/load.ts';
import { listeningUrl, startListeningProcess } from '../../../src/cli/launch-process.ts';
import { createLogger } from '../../../src/log.ts';
import { UpstreamConnection } from '../../../src/upstreams/connection.ts';
import { fixtureCommand, relayServer, startFixture } from '../../../testkit/fixtures/spawn.ts';

/**
 * Which era one upstream connection speaks (issue 11), in process, against real servers: the
 * new-era-only fixture (stdio, Streamable HTTP), an old-era SDK v1 server, and one that exits on
 * any request before `initialize` (the probe costs it its life once; the next attempt skips it).
 */
const log = createLogger('silent');
const limits = { maxResultBytes: 16 * 1024 * 1024, breaker: { failures: 5, openMs: 30_000 } };
const MINIMAL_UPSTREAM = fileURLToPath(new URL('../../../bench/minimal-upstream.ts', import.meta.url));
const RECORDER = fileURLToPath(new URL('../../../testkit/fixtures/stdio-recorder.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-eras-'));
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

async function connected(spec: UpstreamSpec): Promise<UpstreamConnection> {
  const connection = new UpstreamConnection(spec, {
    events: { onListing: () => undefined, onNotification: () => undefined, onServerRequest: async () => ({}) },
    log, clientInfo: { name: 'test', version: '0' }, connectTimeoutMs: 15_000, reconnect: { initialMs: 50, maxMs: 200 }, random: () => 0.5,
  });
  cleanup.push(() => connection.close());
  await connection.start();
  for (let i = 0; i < 300 && connection.state !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return connection;
}

const stdio = (name: string, command: string, args: string[], env: Record<string, string> = {}): UpstreamSpec => ({ name, transport: 'stdio', command, args, env, cwd: undefined, timeoutMs: 10_000, limits });

describe('upstream connection - era', () => {
  it('speaks the new era to a new-era-only server over stdio', async () => {
    const { command, args } = fixtureCommand('modern-only', 'stdio');
    const connection = await connected(stdio('m', command, args));
    expect({ state: connection.state, era: connection.era, version: connection.protocolVersion }).toEqual({ state: 'ready', era: 'modern', version: '2026-07-28' });
    const result = await connection.request('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { signal: new AbortController().signal });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
  }, 60_000);

  it('speaks the new era to a new-era-only server over Streamable HTTP', async () => {
    const fixture = await startFixture('modern-only', 'http');
    cleanup.push(() => fixture.close());
    const connection = await connected({ name: 'mh', transport: 'http', url: fixture.url!, headers: {}, timeoutMs: 10_000, limits });
    expect({ era: connection.era, version: connection.protocolVersion }).toEqual({ era: 'modern', version: '2026-07-28' });
  }, 60_000);

  it("speaks the new era to the benches' minimal upstream (plain node:http) and calls its tool", async () => {
    // bench/http.bench.ts and cluster.bench.ts stand on it: an answer the SDK refuses (a
    // cacheScope it does not know) once left the gateway without its tool and the benches failing.
    const upstream = await startListeningProcess(process.execPath, ['--import', 'tsx', MINIMAL_UPSTREAM], {}, listeningUrl);
    cleanup.push(() => upstream.close());
    const connection = await connected({ name: 'min', transport: 'http', url: upstream.url, headers: {}, timeoutMs: 10_000, limits });
    expect({ state: connection.state, era: connection.era }).toEqual({ state: 'ready', era: 'modern' });
    const result = await connection.request('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { signal: new AbortController().signal });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
  }, 60_000);

  it('falls back to initialize for an old-era server', async () => {
    const connection = await connected(stdio('old', process.execPath, relayServer('old').args));
    expect({ state: connection.state, era: connection.era }).toEqual({ state: 'ready', era: 'legacy' });
  }, 60_000);

  it('connects with initialize only once a server exited on the discovery probe', async () => {
    const wire = join(dir, 'exits.jsonl');
    const connection = await connected(stdio('exits', process.execPath, [RECORDER, wire, process.execPath, ...relayServer('exits').args], { EXIT_ON_DISCOVER: '1' }));
    expect({ state: connection.state, era: connection.era }).toEqual({ state: 'ready', era: 'legacy' });
    const methods = readFileSync(wire, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { method?: string }).method);
    expect(methods.filter((m) => m === 'server/discover')).toHaveLength(1);
    expect(methods.indexOf('initialize')).toBeGreaterThan(methods.indexOf('server/discover'));
  }, 60_000);
});
