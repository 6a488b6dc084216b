import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWarden, runWardenInTerminal } from '../../../testkit/support/cli.ts';

/**
 * What a person at a terminal sees, on a real pseudo-terminal (util-linux `script`): colour for
 * PASS/FAIL, allow/deny and warnings, human-readable logs; and none of it into a pipe, with
 * NO_COLOR set, or with --no-color.
 */
const dir = mkdtempSync(join(tmpdir(), 'warden-terminal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'app.rego'), 'package app\n\nallow if input.user == "root"\n');
writeFileSync(join(dir, 'app_test.rego'), 'package app_test\n\nimport data.app\n\ntest_root if app.allow with input as {"user": "root"}\n\ntest_guest if app.allow with input as {"user": "guest"}\n');
// Comments in the config: the README writes it as jsonc.
writeFileSync(join(dir, 'down.json'), `{
  // an upstream nobody listens for
  "mcpServers": { "web": { "type": "http", "url": "http://127.0.0.1:9/mcp" } },
  "auth": { "mode": "disabled" }
}
`);

const ESC = '\u001b[';

describe('colour and logs on a terminal (process on a pseudo-terminal)', () => {
  it('policy test colours PASS green and FAIL red on a terminal, never into a pipe, with NO_COLOR or --no-color', { timeout: 120_000 }, async () => {
    const [tty, noColorEnv, noColorFlag, pipe] = await Promise.all([
      runWardenInTerminal(['policy', 'test', '-v', dir]),
      runWardenInTerminal(['policy', 'test', '-v', dir], { env: { NO_COLOR: '1' } }),
      runWardenInTerminal(['--no-color', 'policy', 'test', '-v', dir]),
      runWarden(['policy', 'test', '-v', dir]),
    ]);
    expect(tty.code).toBe(2);
    expect(tty.output).toContain(`data.app_test.test_root: ${ESC}32mPASS${ESC}39m`);
    expect(tty.output).toContain(`data.app_test.test_guest: ${ESC}31mFAIL${ESC}39m`);
    expect(tty.output).toMatch(new RegExp(`\\n\\u001b\\[32mPASS\\u001b\\[39m: 1/2\\n\\u001b\\[31mFAIL\\u001b\\[39m: 1/2\\n`));
    for (const plain of [noColorEnv, noColorFlag]) {
      expect(plain.code).toBe(2);
      expect(plain.output).toContain('data.app_test.test_root: PASS');
      expect(plain.output).not.toContain(ESC);
    }
    expect(pipe.code).toBe(2);
    expect(pipe.stdout).toContain('data.app_test.test_guest: FAIL');
    expect(pipe.stdout + pipe.stderr).not.toContain(ESC);
  });

  it('logs are human-readable on a terminal and JSON into a pipe; warnings are yellow on a terminal', { timeout: 120_000 }, async () => {
    const config = join(dir, 'down.json');
    const [tty, pipe, plain] = await Promise.all([
      runWardenInTerminal(['tools', '--config', config]),
      runWarden(['tools', '--config', config]),
      runWardenInTerminal(['tools', '--config', config], { env: { NO_COLOR: '1' } }),
    ]);
    expect(tty.code).toBe(4);
    expect(tty.output).toContain(`${ESC}33mupstream web is unreachable${ESC}39m: connect ECONNREFUSED 127.0.0.1:9; its tools are missing`);
    // pino-pretty's line: time, level, message, then the fields, not a JSON object.
    expect(tty.output).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*WARN.*: .*upstream connection failed/);
    expect(tty.output).not.toContain('{"level"');
    expect(plain.output).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] WARN: upstream connection failed\n +component: "tools"\n +upstream: "web"/);
    expect(plain.output).not.toContain(ESC);
    expect(pipe.code).toBe(4);
    const lines = pipe.stderr.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'upstream connection failed', upstream: 'web' }));
    expect(pipe.stdout).toContain('upstream web is unreachable: connect ECONNREFUSED 127.0.0.1:9; its tools are missing');
    expect(pipe.stdout + pipe.stderr).not.toContain(ESC);
  });
});
