/**
 * `npm run build`: the published CLI (dist/cli/) must behave like the sources it was built from.
 * The bundle changes where modules sit, so what this checks is what a bundle can break: files
 * found relative to the package (package.json, migrations/, the checkpoint worker), the Rego
 * workspace package bundled in, and the lazily loaded command chunks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningProcess } from '../../../src/cli/launch-process.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist/cli/warden.js');
const dir = mkdtempSync(join(tmpdir(), 'warden-build-'));
const run = (args: string[]) => spawnSync(process.execPath, [BUNDLE, ...args], { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built CLI (dist/cli/warden.js)', () => {
  it('prints the version from package.json', () => {
    const result = run(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs the bundled Rego engine: policy test on the default policies passes', () => {
    const result = run(['policy', 'test', join(ROOT, 'policies')]);
    expect(result.stdout).toMatch(/^PASS: \d+\/\d+$/m);
    expect(result.status).toBe(0);
  });

  it('serves with a migrated audit database and stops on SIGTERM; the trail verifies', async () => {
    writeFileSync(join(dir, 'allow.rego'), 'package mcp.authz\n\nallow := true\n');
    writeFileSync(join(dir, 'warden.config.json'), JSON.stringify({
      mcpServers: {}, auth: { mode: 'disabled' }, policy: { paths: [join(dir, 'allow.rego')], watch: false }, audit: { path: join(dir, 'audit.db') },
    }));
    const gateway = await startListeningProcess(process.execPath, [BUNDLE, 'serve', '--config', join(dir, 'warden.config.json'), '--http', '--port', '0'], { WARDEN_LOG_LEVEL: 'info' },
      (line) => /"url":"(http:[^"]+)"/.exec(line)?.[1], { startTimeoutMs: 60_000 });
    const ready = await fetch(new URL('/readyz', gateway.url));
    expect(ready.status).toBe(200);
    await gateway.close();
    const verify = run(['audit', 'verify', '--db', join(dir, 'audit.db')]);
    expect(verify.status).toBe(0);
  });
});
