import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPolicyFiles, revisionOf } from '../../../src/policy/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'warden-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

const rego = (path: string) => path.endsWith('.rego');

describe('policy files', () => {
  write('policies/authz.rego', 'package mcp.authz\n');
  write('policies/servers/db.rego', 'package mcp.servers.db\n');
  write('policies/.hidden.rego', 'package hidden\n');
  write('policies/notes.txt', 'not policy');

  it('reads matching files below a directory, sorted, with the data prefix of their directory', async () => {
    const files = await readPolicyFiles(['policies'], dir, rego);
    expect(files.map((file) => [file.name, file.dataPrefix])).toEqual([
      ['policies/authz.rego', []],
      ['policies/servers/db.rego', ['servers']],
    ]);
  });

  it('loads a file once when two configured paths overlap', async () => {
    const files = await readPolicyFiles(['policies', 'policies/authz.rego'], dir, rego);
    expect(files.map((file) => file.name)).toEqual(['policies/authz.rego', 'policies/servers/db.rego']);
  });

  it('follows symbolic links as a Kubernetes ConfigMap volume lays them out', async () => {
    write('configmap/..2026_11_23/authz.rego', 'package mcp.authz\n');
    symlinkSync('..2026_11_23', join(dir, 'configmap', '..data'));
    symlinkSync('..data/authz.rego', join(dir, 'configmap', 'authz.rego'));
    const files = await readPolicyFiles(['configmap'], dir, rego);
    expect(files.map((file) => [file.name, file.bytes.toString()])).toEqual([['configmap/authz.rego', 'package mcp.authz\n']]);
  });

  it('changes the revision with any name or byte', () => {
    const a = { name: 'a.rego', bytes: Buffer.from('x') };
    const b = { name: 'b.rego', bytes: Buffer.from('y') };
    expect(revisionOf([a, b])).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(revisionOf([a, b])).toBe(revisionOf([a, b]));
    expect(revisionOf([a, { ...b, bytes: Buffer.from('z') }])).not.toBe(revisionOf([a, b]));
    expect(revisionOf([a, { ...b, name: 'c.rego' }])).not.toBe(revisionOf([a, b]));
    // Length prefixes: moving a byte from one file's name to its content is a different set.
    expect(revisionOf([{ name: 'ab', bytes: Buffer.from('c') }])).not.toBe(revisionOf([{ name: 'a', bytes: Buffer.from('bc') }]));
  });
});
