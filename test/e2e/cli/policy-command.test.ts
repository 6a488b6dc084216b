import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWarden } from '../../../testkit/support/gateway-process.ts';

/** `warden policy ...` as a user runs it: a real process on real files; exit code and output. */

/** Runs `node bin/warden.js ...`; independent runs of one test start together (2 busy cores). */
const warden = (args: string[], cwd?: string) => runWarden(args, cwd ? { cwd } : {});

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-policy-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const POLICY = 'package app\n\ndefault allow := false\n\nallow if input.user == data.admin\n\nreasons contains "not the admin" if not allow\n';
const TESTS = `package app_test

import data.app

test_admin_allowed if app.allow with input as {"user": "root"}

test_guest_denied if {
  print("checking guest")
  app.allow with input as {"user": "guest"}
}
`;

describe('warden policy test (process)', () => {
  it('exit 0 and PASS when every test passes; exit 2 with FAILURES naming file:row when one fails', async () => {
    const passing = policyDir({ 'app.rego': POLICY, 'data.json': '{"admin": "root"}', 'app_test.rego': 'package app_test\nimport data.app\n\ntest_ok if app.allow with input as {"user": "root"}\n' });
    const failing = policyDir({ 'app.rego': POLICY, 'data.json': '{"admin": "root"}', 'app_test.rego': TESTS });
    const [pass, run] = await Promise.all([warden(['policy', 'test', passing]), warden(['policy', 'test', failing])]);
    expect(pass).toMatchObject({ code: 0, stdout: 'PASS: 1/1\n' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('app_test.rego:7:\ndata.app_test.test_guest_denied: FAIL');
    expect(run.stdout).toContain('\n  checking guest\n');
    expect(run.stdout).toContain('FAILURES\n');
    expect(run.stdout).toMatch(/\n {2}\S*app_test\.rego:9:\n {4}app\.allow with input as \{"user": "guest"\}\n/);
    expect(run.stdout).toMatch(/PASS: 1\/2\nFAIL: 1\/2\n$/);
  });

  it('a skipped test exits 2 unless -z; policies that do not load exit 1', async () => {
    const dir = policyDir({ 'a_test.rego': 'package a_test\n\ntest_ok if true\n\ntodo_test_later if false\n' });
    const broken = policyDir({ 'bad.rego': 'package bad\n\np if {\n' });
    const [skipped, zero, run] = await Promise.all([warden(['policy', 'test', dir]), warden(['policy', 'test', '-z', dir]), warden(['policy', 'test', broken])]);
    expect(skipped.code).toBe(2);
    expect(zero.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rego_parse_error');
  });

  it('mounts only data.json/data.yaml as data (a fixture input.json is not data); a multi-document YAML is named', async () => {
    const dir = policyDir({
      'app.rego': POLICY,
      'data.yaml': 'admin: root\n',
      'fixtures/input.json': '{"admin": "not data"}',
      'app_test.rego': 'package app_test\n\ntest_admin if data.admin == "root"\n',
    });
    const multi = policyDir({ 'data.yaml': 'a: 1\n---\nb: 2\n', 'x_test.rego': 'package x\n\ntest_x if true\n' });
    const [ok, run] = await Promise.all([warden(['policy', 'test', dir]), warden(['policy', 'test', multi])]);
    expect(ok.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('data.yaml:2: holds several YAML documents (separated by ---)');
  });

  it('with no path, walks the working directory but not node_modules', async () => {
    const dir = policyDir({
      'p_test.rego': 'package p_test\n\ntest_ok if true\n',
      'node_modules/lib/broken.rego': 'package broken\n\np if {\n',
    });
    expect(await warden(['policy', 'test'], dir)).toMatchObject({ code: 0, stdout: 'PASS: 1/1\n' });
  });

  it('--json prints opa test\'s result array, whole even when it is far beyond 64 KiB', async () => {
    const tests = Array.from({ length: 1500 }, (_, i) => `test_case_with_a_long_name_${i} if true`).join('\n');
    const dir = policyDir({ 'big_test.rego': `package big_test\n\n${tests}\n` });
    const run = await warden(['policy', 'test', '--format', 'json', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(64 * 1024);
    const results = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(results).toHaveLength(1500);
    expect(results[0]).toMatchObject({ location: { file: expect.stringContaining('big_test.rego'), row: 3, col: 1 }, package: 'data.big_test', name: 'test_case_with_a_long_name_0' });
  });

  it('--threshold fails below the coverage percentage with the rows not covered', async () => {
    const dir = policyDir({ 'app.rego': POLICY, 'data.json': '{"admin": "root"}', 'app_test.rego': 'package app_test\nimport data.app\n\ntest_ok if app.allow with input as {"user": "root"}\n' });
    const [run, low] = await Promise.all([warden(['policy', 'test', '--threshold', '90', dir]), warden(['policy', 'test', '--threshold', '10', dir])]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).files).toBeDefined();
    expect(run.stderr).toMatch(/Code coverage threshold not met: got \d+\.\d\d instead of 90\.00\nLines not covered:\n\t.*app\.rego:3\n/);
    expect(low.code).toBe(0);
  });

  it('-h prints usage and exits 0; a bad flag is a usage error (2)', async () => {
    const [help, top, bad] = await Promise.all([warden(['policy', 'test', '-h']), warden(['policy', '--help']), warden(['policy', 'test', '--timeout', 'soon'])]);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: warden policy test') });
    expect(top).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: warden policy <command>') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout: expected a duration such as 500ms, 90s, 15m, 1h, 7d or 2w, got "soon"');
  });
});

describe('warden policy eval (process)', () => {
  const dir = policyDir({ 'policies/app.rego': POLICY, 'policies/data.json': '{"admin": "root"}', 'request.json': '{"user": "guest"}', 'broken.json': '{\n  "user": "guest",\n}\n' });
  const policies = join(dir, 'policies');

  it('prints the value of the query as opa eval does (the README command)', async () => {
    const run = await warden(['policy', 'eval', 'data.app', '-d', policies, '--input', join(dir, 'request.json')]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ result: [{ expressions: [{ value: { allow: false, reasons: ['not the admin'] }, text: 'data.app', location: { row: 1, col: 1 } }] }] });
  });

  it('gives bindings only when the query has variables; --format pretty and raw', async () => {
    const [vars, raw, pretty, undef] = await Promise.all([
      warden(['policy', 'eval', 'x := data.app.reasons[_]', '-d', policies, '-i', join(dir, 'request.json')]),
      warden(['policy', 'eval', 'data.app.allow', '-d', policies, '--format', 'raw']),
      warden(['policy', 'eval', 'data.app.reasons', '-d', policies, '-f', 'pretty']),
      warden(['policy', 'eval', 'data.app.nothing', '-d', policies]),
    ]);
    expect(JSON.parse(vars.stdout).result[0].bindings).toEqual({ x: 'not the admin' });
    expect(raw.stdout).toBe('false\n');
    expect(pretty.stdout).toBe('[\n  "not the admin"\n]\n');
    expect(undef.stdout).toBe('{}\n');
  });

  it('a missing or malformed --input is a usage error naming the file (line:column), no stack', async () => {
    const [missing, broken] = await Promise.all([
      warden(['policy', 'eval', 'data.app', '-d', policies, '-i', join(dir, 'nope.json')]),
      warden(['policy', 'eval', 'data.app', '-d', policies, '-i', join(dir, 'broken.json')]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`warden policy eval: --input ${join(dir, 'nope.json')}: cannot be read (ENOENT)\n`);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(`warden policy eval: --input ${join(dir, 'broken.json')}:3:1: invalid JSON: expected a property name in double quotes, found "}"\n`);
  });

  it('an input or data document nested too deep is named with its line:column, no stack (it overflowed the reader)', async () => {
    const deep = policyDir({ 'input.json': `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'policies/p.rego': 'package p\n\nx := 1\n', 'policies/data.json': `{"d": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_001)}` });
    const [input, data] = await Promise.all([
      warden(['policy', 'eval', 'x := 1', '-i', join(deep, 'input.json')]),
      warden(['policy', 'eval', 'data.p.x', '-d', join(deep, 'policies')]),
    ]);
    expect(input.code).toBe(2);
    expect(input.stderr).toBe(`warden policy eval: --input ${join(deep, 'input.json')}:1:513: invalid JSON: nested deeper than 512 levels\n`);
    expect(data.code).toBe(1);
    expect(data.stderr).toBe(`warden policy eval: ${join(deep, 'policies', 'data.json')}:1:2562: invalid JSON: nested deeper than 512 levels\n`);
  });
});

describe('warden policy check (process)', () => {
  it('reports every error in every file, with the source line', async () => {
    const dir = policyDir({
      'a.rego': 'package a\n\np if {\n',
      'b.rego': 'package b\n\nq if x > 1\n\nr if y < 2\n',
      'c.rego': 'package c\n\nok := 1\n',
    });
    const run = await warden(['policy', 'check', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('a.rego:');
    expect(run.stderr).toMatch(/b\.rego:3:\d+: rego_unsafe_var_error: var x is unsafe/);
    expect(run.stderr).toMatch(/b\.rego:5:\d+: rego_unsafe_var_error: var y is unsafe/);
    expect(run.stderr).toContain('3 errors occurred\n');
  });

  it('a chain of operators or else clauses too long to compile is a parse error at its place, no stack (it overflowed the compiler)', async () => {
    const dir = policyDir({ 'plus.rego': `package plus\n\nx := 1${' + 1'.repeat(50_000)}\n`, 'elses.rego': `package elses\n\nx := 1 if { false }${' else := 1 if { false }'.repeat(20_000)}\n` });
    const run = await warden(['policy', 'check', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/plus\.rego:3:\d+: rego_parse_error: nesting deeper than 200 levels/);
    expect(run.stderr).toMatch(/elses\.rego:3:\d+: rego_parse_error: nesting deeper than 200 levels/);
    expect(run.stderr).not.toMatch(/INTERNAL|RangeError|\n\s+at /);
  });

  it('--strict adds unused imports and unused assignments', async () => {
    const dir = policyDir({ 's.rego': 'package s\n\nimport data.other\n\np if {\n  x := 1\n  true\n}\n' });
    const [plain, run] = await Promise.all([warden(['policy', 'check', dir]), warden(['policy', 'check', '--strict', dir])]);
    expect(plain.code).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('s.rego:3:1: rego_compile_error: import data.other unused');
    expect(run.stderr).toMatch(/s\.rego:6:3: rego_compile_error: assigned var x unused/);
  });
});
