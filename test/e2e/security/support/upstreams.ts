/**
 * The kitchen-sink fixture three times, once per upstream transport, each counting what reaches
 * it: the fixture's KITCHEN_SINK_CALLS_FILE (tools/call, all transports) and, for HTTP and SSE,
 * a recording proxy that sees every request the upstream gets (headers and JSON-RPC methods).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { McpServerEntry } from '../../../../src/config/schema.ts';
import { startFixture, type FixtureHandle } from '../../../fixtures/spawn.ts';
import { startRecordingProxy, type RecordingProxy } from './servers.ts';

export const TRANSPORTS = ['stdio', 'http', 'sse'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Sent by the gateway to the HTTP/SSE upstreams from their config entry (`${UPSTREAM_KEY}`). */
export const UPSTREAM_KEY = 'upstream-key-from-config';

export interface Upstreams {
  entries: Record<Transport, McpServerEntry>;
  proxies: Record<'http' | 'sse', RecordingProxy>;
  /** tools/call requests the upstream of `transport` has received so far. */
  calls(transport: Transport): number;
  /** Sum over the three upstreams. */
  totalCalls(): number;
  close(): Promise<void>;
}

export async function startUpstreams(dir: string): Promise<Upstreams> {
  const file = (t: Transport) => join(dir, `calls-${t}.json`);
  const env = (t: Transport) => ({ KITCHEN_SINK_CALLS_FILE: file(t) });
  const started: FixtureHandle[] = [];
  const proxies: RecordingProxy[] = [];
  const close = async () => {
    await Promise.allSettled(proxies.map((p) => p.close()));
    await Promise.allSettled(started.map((f) => f.close()));
  };
  try {
    const [stdio, http, sse] = await Promise.all(TRANSPORTS.map((t) => startFixture('kitchen-sink', t, { env: env(t) })));
    started.push(stdio!, http!, sse!);
    const [httpProxy, sseProxy] = await Promise.all([startRecordingProxy(http!.url!), startRecordingProxy(sse!.url!)]);
    proxies.push(httpProxy!, sseProxy!);
    const headers = { 'X-Upstream-Key': '${UPSTREAM_KEY}' };
    const calls = (t: Transport) => {
      try {
        return (JSON.parse(readFileSync(file(t), 'utf8')) as { total: number }).total;
      } catch {
        return 0; // the stdio child is started by the gateway; no file until it runs
      }
    };
    return {
      entries: { stdio: stdio!.entry, http: { type: 'http', url: httpProxy!.url, headers }, sse: { type: 'sse', url: sseProxy!.url, headers } },
      proxies: { http: httpProxy!, sse: sseProxy! },
      calls,
      totalCalls: () => TRANSPORTS.reduce((sum, t) => sum + calls(t), 0),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
