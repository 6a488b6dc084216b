/**
 * One complete deployment for a test file: a signing key (published as a JWKS file and by a JWKS
 * HTTP server), three kitchen-sink upstreams, and the gateway process over the test policy.
 * `close()` stops everything that was started, in reverse order.
 */
import { rmSync } from 'node:fs';
import { startGateway, tempDir, writeGatewayDir, type GatewayDir, type RunningGateway } from './gateway.ts';
import { startJwksServer, type JwksServer } from './servers.ts';
import { jwks, newSigningKey, sign, type SigningKey, type TokenOptions } from './tokens.ts';
import { startUpstreams, UPSTREAM_KEY, type Upstreams } from './upstreams.ts';

export interface World {
  key: SigningKey;
  jwksServer: JwksServer;
  upstreams: Upstreams;
  dir: GatewayDir;
  gateway: RunningGateway;
  token(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startWorld(options: { watch?: boolean; jwksCooldownMs?: number } = {}): Promise<World> {
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => undefined);
  };
  try {
    const key = await newSigningKey('test-key-1');
    const jwksServer = await startJwksServer(jwks(key));
    closers.push(() => jwksServer.close());
    const path = tempDir();
    closers.push(() => rmSync(path, { recursive: true, force: true }));
    const upstreams = await startUpstreams(path);
    closers.push(() => upstreams.close());
    const dir = writeGatewayDir({ dir: path, mcpServers: upstreams.entries, key, remoteJwks: jwksServer.url, ...options });
    const gateway = await startGateway(dir, { UPSTREAM_KEY });
    closers.push(() => gateway.close());
    return { key, jwksServer, upstreams, dir, gateway, token: (o) => sign(key, o), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Resolves once alice's tools/list names the echo tool of every upstream: the gateway listens
 * before a slow upstream (tsx compiling the fixture on a busy machine) has joined the catalog.
 */
export async function waitForCatalog(caller: { list(method: string, key: string): Promise<Array<Record<string, unknown>>> }, names: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = new Set((await caller.list('tools/list', 'tools')).map((tool) => tool.name));
    if (names.every((name) => listed.has(name))) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not list ${names.join(', ')} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
