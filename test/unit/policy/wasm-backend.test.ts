import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { policyConfigSchema } from '../../../src/policy/config.ts';
import { loadWasmBackend } from '../../../src/policy/wasm-backend.ts';
import { compileWat, writeBundle } from '../../../testkit/fixtures/wasm/build.ts';
import { input } from './engine.contract.ts';

/** Loading variants of the wasm backend, over the hand-written contract module (see wasm-engine.test.ts). */
const wasm = compileWat('contract-policy.wat');
const config = (paths: string[], entrypoint = 'data.mcp.authz') => policyConfigSchema.parse({ engine: 'wasm', paths, entrypoint, watch: false });

describe('wasm backend - loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-wasm-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function loadFailure(paths: string[], entrypoint?: string): Promise<{ code: string; message: string }> {
    return loadWasmBackend(config(paths, entrypoint), dir).then(
      () => {
        throw new Error('expected the load to fail');
      },
      (error: unknown) => error as { code: string; message: string },
    );
  }

  it('loads a bare policy.wasm with data documents from the other paths, set once at load', async () => {
    writeFileSync(join(dir, 'policy.wasm'), await wasm);
    mkdirSync(join(dir, 'data', 'contract'), { recursive: true });
    writeFileSync(join(dir, 'data', 'contract', 'roles.yaml'), 'admin_roles: [ops]\n');
    // opa-wasm's ESM entry exports only loadPolicy: reach its LoadedPolicy class through an instance.
    const prototype = Object.getPrototypeOf(await loadPolicy(await wasm)) as LoadedPolicy;
    const setData = vi.spyOn(prototype, 'setData');
    try {
      const backend = await loadWasmBackend(config(['policy.wasm', 'data']), dir);
      expect(backend.files).toEqual(['data/contract/roles.yaml', 'policy.wasm']);
      expect(backend.evaluate(input('tools/call', ['ops']))).toEqual({ defined: true, value: { allow: true, reasons: [] } });
      expect(backend.evaluate(input('tools/call', ['analyst']))).toMatchObject({ value: { allow: false } });
      expect(setData.mock.calls).toEqual([[{ contract: { admin_roles: ['ops'] } }]]);
    } finally {
      setData.mockRestore();
    }
  });

  it('without data, nobody is an admin of the contract policy', async () => {
    writeFileSync(join(dir, 'policy.wasm'), await wasm);
    const backend = await loadWasmBackend(config(['policy.wasm']), dir);
    expect(backend.evaluate(input('tools/call', ['admin']))).toMatchObject({ defined: true, value: { allow: false } });
  });

  it('reads data.json files from bundle subdirectories, and data files named beside the bundle', async () => {
    writeBundle(dir, { 'policy.wasm': await wasm, 'data.json': '{"other":true}' });
    const bare = await loadWasmBackend(config(['bundle.tar.gz']), dir);
    expect(bare.evaluate(input('tools/call', ['admin']))).toMatchObject({ value: { allow: false } });

    writeBundle(dir, { 'policy.wasm': await wasm, 'contract/data.json': '{"admin_roles":["admin"]}' });
    const nested = await loadWasmBackend(config(['bundle.tar.gz']), dir);
    expect(nested.evaluate(input('tools/call', ['admin']))).toMatchObject({ value: { allow: true } });

    writeBundle(dir, { 'policy.wasm': await wasm });
    writeFileSync(join(dir, 'roles.json'), '{"contract":{"admin_roles":["admin"]}}');
    const beside = await loadWasmBackend(config(['bundle.tar.gz', 'roles.json']), dir);
    expect(beside.evaluate(input('tools/call', ['admin']))).toMatchObject({ value: { allow: true } });
  });

  it('evaluates an input larger than the initial wasm memory (opa-wasm grows it)', async () => {
    writeBundle(dir, { 'policy.wasm': await wasm, 'data.json': '{"contract":{"admin_roles":["admin"]}}' });
    const backend = await loadWasmBackend(config(['bundle.tar.gz']), dir);
    const big = { ...input('tools/call', ['admin']), arguments: { sql: 'x'.repeat(1024 * 1024) } };
    expect(backend.evaluate(big)).toMatchObject({ value: { allow: true } });
    expect(backend.evaluate(input('tools/call', ['analyst']))).toMatchObject({ value: { allow: false } });
  });

  it('refuses a bundle without /policy.wasm', async () => {
    writeBundle(dir, { 'data.json': '{}' });
    expect(await loadFailure(['bundle.tar.gz'])).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'bundle.tar.gz: the bundle has no /policy.wasm (build it with opa build -t wasm)',
    });
  });

  it('refuses an entrypoint the module does not export, naming the ones it has', async () => {
    writeFileSync(join(dir, 'policy.wasm'), await wasm);
    expect(await loadFailure(['policy.wasm'], 'data.mcp.other')).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'policy.wasm: entrypoint mcp/other (data.mcp.other) is not in the module; it has: mcp/authz. Build with opa build -t wasm -e mcp/other',
    });
  });

  it('refuses a file that is not WebAssembly', async () => {
    writeFileSync(join(dir, 'policy.wasm'), 'not wasm');
    const error = await loadFailure(['policy.wasm']);
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toMatch(/^policy\.wasm: cannot load the wasm policy \(.*magic/);
  });

  it('refuses a module of an ABI version opa-wasm does not speak', async () => {
    writeFileSync(join(dir, 'policy.wasm'), await compileWat('abi-version-2.wat'));
    expect(await loadFailure(['policy.wasm'])).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'policy.wasm: cannot load the wasm policy (unsupported ABI version 2)',
    });
  });

  it('needs exactly one policy artifact among the paths', async () => {
    writeFileSync(join(dir, 'data.json'), '{}');
    expect(await loadFailure(['data.json'])).toMatchObject({
      code: 'POLICY_LOAD_FAILED',
      message: 'policy.paths must name exactly one policy.wasm or bundle.tar.gz for the wasm engine (found: none)',
    });
    writeFileSync(join(dir, 'a.wasm'), await wasm);
    writeFileSync(join(dir, 'b.wasm'), await wasm);
    expect((await loadFailure(['a.wasm', 'b.wasm'])).message).toContain('(found: a.wasm, b.wasm)');
  });

  it('refuses a path that does not exist, naming it', async () => {
    const error = await loadFailure(['missing/bundle.tar.gz']);
    expect(error.code).toBe('POLICY_LOAD_FAILED');
    expect(error.message).toMatch(/^missing\/bundle\.tar\.gz: policy path cannot be read \(ENOENT/);
  });
});
