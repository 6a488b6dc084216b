/**
 * A real gateway (`warden serve --http`, auth disabled) in front of the kitchen-sink over
 * Streamable HTTP, with a recording proxy between them that keeps every byte the upstream
 * received, and a policy that writes what it saw into a denial's reasons. Redaction is off, so the audit row must store the very
 * document that was forwarded. Used by the regression tests of issue 13's holes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixture, type FixtureHandle } from '../../fixtures/spawn.ts';
import { startGatewayHttp, startRawStdio, type RawStdio } from '../gateway-process.ts';
import { startRecordingProxy, type RecordingProxy } from '../servers.ts';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { openSession } from '../rpc.ts';

/**
 * Everything is allowed but calls of the upstream's \`add\`, whose denial reasons carry the
 * arguments exactly as the policy saw them (an allowed decision carries no reasons: the backend
 * asks only for \`allow\` then). A test sends one document to \`add\` to see what the policy saw
 * and to \`echo\` to see what is forwarded: both go through the same input building.
 */
export const POLICY_ECHOING_INPUT = `package mcp.authz

default allow := false

allow if input.method != "tools/call"

allow if input.tool.upstream_name != "add"

reasons contains json.marshal(input.arguments) if input.tool.upstream_name == "add"
`;

export interface RecordingWorld {
  dir: string;
  config: string;
  audit: string;
  proxy: RecordingProxy;
  gateway: ListeningProcess;
  close(): Promise<void>;
}

export async function startRecordingWorld(policy = POLICY_ECHOING_INPUT): Promise<RecordingWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-holes-'));
  const sink: FixtureHandle = await startFixture('kitchen-sink', 'http');
  const proxy = await startRecordingProxy(sink.url!);
  writeFileSync(join(dir, 'policy.rego'), policy);
  const config = join(dir, 'warden.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: { up: { type: 'http', url: proxy.url } },
      auth: { mode: 'disabled' },
      policy: { paths: ['policy.rego'], watch: false },
      audit: { path: 'audit.db', redact: { keys: [], patterns: [] } },
    }),
  );
  const gateway = await startGatewayHttp(config).catch(async (error: unknown) => {
    await Promise.all([proxy.close(), sink.close()]);
    throw error;
  });
  return {
    dir,
    config,
    audit: join(dir, 'audit.db'),
    proxy,
    gateway,
    async close() {
      await gateway.close();
      await Promise.all([proxy.close(), sink.close()]);
    },
  };
}

/** The params of the last JSON-RPC request with `method` the upstream received, parsed from its bytes. */
export function lastReceived(proxy: RecordingProxy, method: string): { text: string; params: Record<string, unknown> } | undefined {
  for (let i = proxy.received.length - 1; i >= 0; i--) {
    const text = proxy.received[i]!.body;
    if (!text) continue;
    const message = JSON.parse(text) as { method?: string; params?: Record<string, unknown> };
    if (message.method === method) return { text, params: message.params ?? {} };
  }
  return undefined;
}

/** A world, an anonymous HTTP session in it, and (when asked) the gateway over raw stdio too. */
export interface OpenWorld {
  world: RecordingWorld;
  session: string;
  /** Only with `stdio: true`. */
  stdio: RawStdio;
  close(): Promise<void>;
}

export async function openRecordingWorld(options: { policy?: string; stdio?: boolean } = {}): Promise<OpenWorld> {
  const world = await startRecordingWorld(options.policy);
  // Auth is disabled here: the token is never looked at.
  const session = await openSession(world.gateway.url, 'anonymous');
  const stdio = options.stdio ? await startRawStdio(world.config) : undefined;
  return {
    world,
    session,
    stdio: stdio as RawStdio,
    async close() {
      await stdio?.close();
      await world.close();
    },
  };
}
