import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.ts';
import { policyConfigSchema } from '../../../src/policy/config.ts';
import { createPolicyEngine, type PolicyInput, type PolicyReloadEvent } from '../../../src/policy/index.ts';

/**
 * policy.bundle (issue 14): an OPA-format bundle served by a real HTTP server on 127.0.0.1,
 * polled with If-None-Match; a bundle that does not load keeps the last good set.
 */
const dir = mkdtempSync(join(tmpdir(), 'warden-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tar.gz as `opa build` lays it out: modules in package folders, data.json under its path. */
function bundle(name: string, files: Record<string, string>): Buffer {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  execFileSync('tar', ['-czf', `${root}.tar.gz`, '-C', root, '.']);
  return readFileSync(`${root}.tar.gz`);
}

const policy = (allowed: string) => `package mcp.authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.tool.upstream_name in data.tools.${allowed}\n\nreasons contains "not granted" if not allow\n`;
const data = '{"readers": ["query"], "writers": ["insert"]}';

/** The bundle server: the current body with a strong ETag; a 304 when If-None-Match matches. */
let body: Buffer = Buffer.alloc(0);
let etag = '';
let up = true;
const seen: Array<{ ifNoneMatch: string | undefined; status: number }> = [];
let server: Server;
let url = '';
function publish(next: Buffer, tag: string): void {
  body = next;
  etag = `"${tag}"`;
}
beforeAll(async () => {
  server = createServer((req, res) => {
    const ifNoneMatch = req.headers['if-none-match'];
    if (!up) return void res.socket?.destroy();
    const status = ifNoneMatch === etag ? 304 : 200;
    seen.push({ ifNoneMatch, status });
    if (status === 304) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { 'content-type': 'application/gzip', etag, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/mcp.tar.gz`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const input = (tool: string): PolicyInput => ({ method: 'tools/call', principal: { sub: 'alice' }, tool: { name: `db__${tool}`, server: 'db', upstream_name: tool } }) as unknown as PolicyInput;
const quiet = createLogger('silent');

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('policy bundles over HTTP', () => {
  it('starts from the bundle, polls with If-None-Match, swaps in a new bundle, and keeps the last good set when one does not load or the server is down', async () => {
    publish(bundle('v1', { 'mcp/authz/policy.rego': policy('readers'), 'tools/data.json': data, 'mcp/authz/policy_test.rego': 'this is not rego' }), 'v1');
    const reloads: PolicyReloadEvent[] = [];
    const engine = await createPolicyEngine(policyConfigSchema.parse({ bundle: { url, poll_interval_ms: 100 } }), { logger: quiet, onReload: (e) => void reloads.push(e) });
    try {
      expect(await engine.evaluate(input('query'))).toMatchObject({ allow: true });
      expect(await engine.evaluate(input('insert'))).toMatchObject({ allow: false, reasons: ['not granted'] });
      const first = engine.revision;
      expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
      // Unchanged: the next polls carry the ETag and get 304s, and nothing reloads.
      await until(() => seen.filter((s) => s.status === 304).length >= 2, 'two 304 answers');
      expect(seen.filter((s) => s.status === 304).every((s) => s.ifNoneMatch === '"v1"')).toBe(true);
      expect(reloads).toEqual([]);

      publish(bundle('v2', { 'mcp/authz/policy.rego': policy('writers'), 'tools/data.json': data }), 'v2');
      await until(() => engine.revision !== first, 'the v2 bundle in force');
      expect(await engine.evaluate(input('insert'))).toMatchObject({ allow: true });
      expect(await engine.evaluate(input('query'))).toMatchObject({ allow: false });
      expect(reloads.at(-1)).toMatchObject({ ok: true, trigger: 'bundle', oldRevision: first, newRevision: engine.revision });
      const second = engine.revision;

      // A module that does not parse: refused with its place, the v2 set stays.
      publish(bundle('v3', { 'mcp/authz/policy.rego': 'package mcp.authz\n\nallow if {\n', 'tools/data.json': data }), 'v3');
      await until(() => reloads.length === 2, 'the v3 reload attempt');
      expect(reloads[1]).toMatchObject({ ok: false, trigger: 'bundle', newRevision: second, error: { code: 'POLICY_LOAD_FAILED', message: expect.stringContaining('/mcp/authz/policy.rego:') } });
      // Not a tar.gz at all: refused too.
      publish(Buffer.from('<html>maintenance</html>'), 'v4');
      await until(() => reloads.length === 3, 'the v4 reload attempt');
      expect(reloads[2]).toMatchObject({ ok: false, error: { message: expect.stringContaining('not a bundle (tar.gz)') } });
      // The server goes away: the set in force stays, and decisions go on.
      up = false;
      const before = seen.length;
      await new Promise((r) => setTimeout(r, 350));
      expect(seen.length).toBe(before);
      expect(engine.revision).toBe(second);
      expect(await engine.evaluate(input('insert'))).toMatchObject({ allow: true });
      up = true;
      publish(bundle('v5', { 'mcp/authz/policy.rego': policy('readers'), 'tools/data.json': data }), 'v5');
      await until(() => engine.revision === first, 'the v5 bundle (same files as v1) in force');
    } finally {
      await engine.close();
    }
  });

  it('refuses to start when the first fetch fails, naming the URL', async () => {
    const config = policyConfigSchema.parse({ bundle: { url: 'http://127.0.0.1:9/bundle.tar.gz', timeout_ms: 2000 } });
    await expect(createPolicyEngine(config, { logger: quiet })).rejects.toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: expect.stringMatching(/^policy\.bundle\.url http:\/\/127\.0\.0\.1:9\/bundle\.tar\.gz: cannot fetch the bundle \(.+\); check the URL/),
    });
  });

  it('stops reading a bundle served without a length once it passes 64 MiB, and refuses it', async () => {
    // Chunked, so no content-length to check first: arrayBuffer() held it all.
    let sent = 0;
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      const chunk = Buffer.alloc(1024 * 1024);
      const more = (): void => {
        while (sent < 200 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 200 * 1024 * 1024) res.once('drain', more);
        else res.end();
      };
      more();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const config = policyConfigSchema.parse({ bundle: { url: `http://127.0.0.1:${(endless.address() as AddressInfo).port}/big.tar.gz`, timeout_ms: 30_000 } });
      await expect(createPolicyEngine(config, { logger: quiet })).rejects.toMatchObject({ code: 'POLICY_LOAD_FAILED', message: expect.stringContaining('the response exceeds 67108864 bytes') });
      expect(sent).toBeLessThan(200 * 1024 * 1024);
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
    }
  });

  it('is a rego engine feature: with the wasm engine the config is refused', () => {
    const parsed = policyConfigSchema.safeParse({ engine: 'wasm', bundle: { url: 'https://bundles.example/mcp.tar.gz' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['bundle'], message: expect.stringContaining('rego engine') });
  });
});
