/**
 * `warden policy test` at scale: 1,000 tests over 50 packages (each a small tool policy with a
 * helper library and 20 tests using `with input`), timed in-process (load excluded: compile +
 * run + report) and as the CLI a user runs (`node bin/warden.js policy test DIR`, process start
 * included). Run alone: node --import tsx bench/policy-test.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTestReport, runTests } from '@mcp-warden/rego';

const PACKAGES = 50;
const TESTS_PER_PACKAGE = 20;

function packageFiles(p: number): Record<string, string> {
  const policy = `package bench.p${p}

import data.bench.lib${p % 5} as lib

default allow := false

allow if {
  lib.known_tool(input.tool)
  count(deny) == 0
}

deny contains "limit too high" if input.arguments.limit > ${100 + p}

deny contains msg if {
  some word in input.arguments.words
  lib.forbidden(word)
  msg := sprintf("forbidden word %s", [word])
}
`;
  const tests = [`package bench.p${p}_test\n\nimport data.bench.p${p}\n`];
  for (let t = 0; t < TESTS_PER_PACKAGE; t++) {
    const allowed = t % 2 === 0;
    const limit = allowed ? 10 + t : 1000 + t;
    tests.push(`test_case_${t} if {
  ${allowed ? '' : 'not '}p${p}.allow with input as {"tool": "tool_${t % 7}", "arguments": {"limit": ${limit}, "words": ["a", "b", "c${t}"]}}
}
`);
  }
  return { [`p${p}/policy.rego`]: policy, [`p${p}/policy_test.rego`]: tests.join('\n') };
}

function libFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let l = 0; l < 5; l++) {
    files[`lib/lib${l}.rego`] = `package bench.lib${l}

known_tool(name) if startswith(name, "tool_")

forbidden(word) if word in {"drop", "delete", "truncate"}
`;
  }
  return files;
}

const files: Record<string, string> = { ...libFiles() };
for (let p = 0; p < PACKAGES; p++) Object.assign(files, packageFiles(p));

const runs: number[] = [];
let passed = 0;
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const report = runTests(files, {});
  renderTestReport(report, { verbose: false, sources: files, varValues: false });
  runs.push(performance.now() - started);
  passed = report.passed;
}
runs.sort((a, b) => a - b);
if (passed !== PACKAGES * TESTS_PER_PACKAGE) throw new Error(`expected every test to pass, got ${passed}`);

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-policy-test-'));
try {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const bin = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
  const cli: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [bin, 'policy', 'test', dir], { encoding: 'utf8' });
    cli.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`policy test exited ${result.status}: ${result.stderr}`);
  }
  cli.sort((a, b) => a - b);
  const ms = (n: number): string => `${n.toFixed(0).padStart(6)} ms`;
  process.stdout.write(`${PACKAGES * TESTS_PER_PACKAGE} tests, ${PACKAGES} packages (+5 libraries)\n`);
  process.stdout.write(`in-process (compile, run, report)   median ${ms(runs[2]!)}   min ${ms(runs[0]!)}   (5 runs)\n`);
  process.stdout.write(`CLI process (warden policy test)    median ${ms(cli[1]!)}   min ${ms(cli[0]!)}   (3 runs, start-up included; load average ${loadavg()[0]!.toFixed(1)})\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
