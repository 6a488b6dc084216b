/**
 * Issue 13, hole 0: the CLI exited before stdout drained, so `warden audit export ... | wc -c`
 * gave 132 KB where a file got 371 KB, and `policy test --json | jq` was cut at 64 KiB. Every
 * command is run here with its stdout on a real pipe to a slow reader, with output far larger
 * than a pipe buffer, and compared with the same command writing to a file.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../../src/audit/sqlite/migrations.ts';
import { fillSynthetic } from '../../../testkit/support/audit.ts';
import { WARDEN } from '../../../testkit/support/gateway-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'warden-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads the pipe slowly (a pause after each chunk), as jq or a shipper under load would, and passes it on. */
const SLOW_READER = `const chunks = []; process.stdin.on('data', (c) => { chunks.push(c); process.stdin.pause(); setTimeout(() => process.stdin.resume(), 2); }); process.stdin.on('end', () => process.stdout.write(Buffer.concat(chunks)));`;

/** `warden ...args | node -e SLOW_READER`: what the reader got, and warden's exit code. */
function piped(args: string[]): Promise<{ text: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const warden = spawn(process.execPath, [WARDEN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const counter = spawn(process.execPath, ['-e', SLOW_READER], { stdio: ['pipe', 'pipe', 'inherit'] });
    warden.stdout.pipe(counter.stdin);
    const out: Buffer[] = [];
    counter.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    let code: number | null = null;
    warden.once('exit', (c) => (code = c));
    counter.once('error', reject);
    counter.once('close', () => resolve({ text: Buffer.concat(out).toString('utf8'), code }));
  });
}

/** `warden ...args > file`: what the file holds and the exit code. */
function toFile(args: string[], file: string): Promise<{ text: string; code: number | null }> {
  const fd = openSync(file, 'w');
  return new Promise((resolve) => {
    const warden = spawn(process.execPath, [WARDEN, ...args], { stdio: ['ignore', fd, 'ignore'] });
    warden.once('exit', (code) => {
      closeSync(fd);
      resolve({ text: readFileSync(file, 'utf8'), code });
    });
  });
}

let db: string;
beforeAll(() => {
  db = join(dir, 'trail.db');
  const database = new Database(db);
  database.pragma('journal_mode = WAL');
  const migrations = loadMigrations();
  migrate(database, migrations.slice(0, 1));
  fillSynthetic(database, 6000, 3000, new Date('2026-11-23T12:00:00Z'));
  migrate(database, migrations);
  database.close();
}, 60_000);

describe('hole 0: CLI output through a pipe', () => {
  it('audit export --format jsonl gives a slow pipe reader every byte a file gets', async () => {
    const args = ['audit', 'export', '--format', 'jsonl', '--db', db];
    const file = await toFile(args, join(dir, 'export.jsonl'));
    expect(file.code).toBe(0);
    expect(file.text.length).toBeGreaterThan(1024 * 1024); // far beyond a 64 KiB pipe buffer
    const pipe = await piped(args);
    expect(pipe.code).toBe(0);
    expect(pipe.text.length).toBe(file.text.length);
    expect(pipe.text === file.text).toBe(true);
  }, 120_000);

  it('policy test --json is whole through a pipe, with a failing test (exit 2) too', async () => {
    const policies = join(dir, 'policies');
    const tests = Array.from({ length: 1500 }, (_, i) => `test_case_${i}_with_a_rather_long_name_to_make_the_report_big if {\n\tallow with input as {"n": ${i}}\n}\n`);
    const failing = 'test_that_fails if {\n\tnot allow with input as {"n": 1}\n}\n';
    mkdirSync(policies, { recursive: true });
    writeFileSync(join(policies, 'p.rego'), 'package p\n\nallow if input.n >= 0\n');
    writeFileSync(join(policies, 'p_test.rego'), `package p\n\n${failing}\n${tests.join('\n')}`);
    const args = ['policy', 'test', '--json', policies];
    const file = await toFile(args, join(dir, 'report.json'));
    expect(file.code).toBe(2);
    expect(file.text.length).toBeGreaterThan(256 * 1024);
    const pipe = await piped(args);
    expect(pipe.code).toBe(2);
    // Durations differ between runs; the report must be whole JSON with every result.
    // opa test's result array: every result but its duration.
    const names = (text: string) => (JSON.parse(text) as Array<{ duration: number }>).map(({ duration: _, ...rest }) => JSON.stringify(rest));
    expect(names(pipe.text)).toEqual(names(file.text));
  }, 120_000);
});
