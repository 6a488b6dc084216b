import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BUNDLE_BYTES, readTarGz } from '../../../src/policy/tar-gz.ts';

/** Archives written by the system tar, in the formats OPA and common tools produce. */
const dir = mkdtempSync(join(tmpdir(), 'warden-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Over 100 characters: gnu writes an 'L' entry, pax a path record, ustar the prefix field.
const longDir = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}`;
mkdirSync(join(dir, 'src', longDir), { recursive: true });
writeFileSync(join(dir, 'src', 'policy.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(dir, 'src', 'data.json'), '{"a":1}');
writeFileSync(join(dir, 'src', longDir, 'data.json'), '{"b":2}');

function archive(format: string): Buffer {
  const target = join(dir, `${format}.tar.gz`);
  execFileSync('tar', [`--format=${format}`, '-czf', target, '-C', join(dir, 'src'), '.']);
  return readFileSync(target);
}

describe('bundle tar.gz reader', () => {
  it.each(['gnu', 'pax', 'ustar'])('reads regular files of a %s archive with their paths, skipping directories', (format) => {
    const files = readTarGz(archive(format));
    expect(files.get('policy.wasm')).toEqual(Buffer.from([0, 97, 115, 109]));
    expect(files.get('data.json')?.toString()).toBe('{"a":1}');
    expect(files.get(`${longDir}/data.json`)?.toString()).toBe('{"b":2}');
    expect([...files.keys()].sort()).toEqual(['data.json', `${longDir}/data.json`, 'policy.wasm']);
  });

  it('refuses a header whose checksum does not match', () => {
    const tar = gunzipSync(archive('gnu'));
    tar[0] = tar[0]! ^ 1;
    expect(() => readTarGz(gzipSync(tar))).toThrow('corrupt tar header at byte 0: checksum mismatch');
  });

  it('refuses an entry cut short', () => {
    const tar = gunzipSync(archive('gnu'));
    const at = tar.indexOf('policy.wasm');
    // Keep that header and two bytes of the four-byte body.
    const headerStart = at - (at % 512);
    expect(() => readTarGz(gzipSync(tar.subarray(0, headerStart + 512 + 2)))).toThrow(`truncated tar entry at byte ${headerStart}`);
  });

  it('refuses input that is not gzip', () => {
    expect(() => readTarGz(Buffer.from('plain text'))).toThrow(/incorrect header check/);
  });

  it('refuses to inflate past the size cap', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_BUNDLE_BYTES + 1024));
    expect(() => readTarGz(bomb)).toThrow(/larger than/);
  });
});
