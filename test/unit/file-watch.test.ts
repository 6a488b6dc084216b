import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchPaths, type FileWatcher } from '../../src/file-watch.ts';

const quiet = pino({ level: 'silent' });
// Generous against scheduling stalls on a shared 2-core machine; the waits below are multiples of it.
const DEBOUNCE = 100;

/** Real files, real fs.watch: waits long enough past the debounce for events to settle. */
describe('policy file watch', () => {
  let dir: string;
  let watcher: FileWatcher | undefined;
  let changes: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-watch-'));
    mkdirSync(join(dir, 'policies', 'servers'), { recursive: true });
    writeFileSync(join(dir, 'policies', 'authz.rego'), 'package a\n');
    writeFileSync(join(dir, 'bundle.tar.gz'), 'v1');
    changes = 0;
  });
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (paths: string[], debounce = DEBOUNCE) => {
    watcher = watchPaths(paths.map((path) => join(dir, path)), debounce, () => (changes += 1), quiet, 'test');
  };

  it('collapses a burst of edits into one change after the quiet time', async () => {
    start(['policies']);
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, 'policies', 'authz.rego'), `package a\n# edit ${i}\n`);
      await sleep(5);
    }
    expect(changes).toBe(0);
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(1);
  });

  it('sees files added in subdirectories of a watched directory', async () => {
    start(['policies']);
    writeFileSync(join(dir, 'policies', 'servers', 'fs.rego'), 'package mcp.servers.fs\n');
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(1);
  });

  it('follows a single file replaced by rename, as editors and `opa build` do, and ignores its neighbours', async () => {
    start(['bundle.tar.gz']);
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(0);
    writeFileSync(join(dir, 'bundle.tar.gz.tmp'), 'v2');
    renameSync(join(dir, 'bundle.tar.gz.tmp'), join(dir, 'bundle.tar.gz'));
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(1);
    writeFileSync(join(dir, 'bundle.tar.gz'), 'v3');
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(2);
  });

  it('follows a single file deleted and then written anew', async () => {
    start(['bundle.tar.gz']);
    rmSync(join(dir, 'bundle.tar.gz'));
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(1);
    writeFileSync(join(dir, 'bundle.tar.gz'), 'v2');
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(2);
    writeFileSync(join(dir, 'bundle.tar.gz'), 'v3');
    await sleep(DEBOUNCE * 5);
    expect(changes).toBe(3);
  });

  it('stops reporting once closed, including a change already waiting for its quiet time', async () => {
    // A long quiet time, so the first event has surely arrived and is waiting when we close.
    start(['policies'], 400);
    writeFileSync(join(dir, 'policies', 'authz.rego'), 'package a\n# pending\n');
    await sleep(100);
    watcher!.close();
    writeFileSync(join(dir, 'policies', 'authz.rego'), 'package a\n# after close\n');
    await sleep(800);
    expect(changes).toBe(0);
  });
});
