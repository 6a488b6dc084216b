import { describe, expect, it } from 'vitest';
import { bounded, runWarden } from '../../../testkit/support/cli.ts';

/** Every command and subcommand as a new user meets them: `--help` and `-h` answer with usage, exit 0. */
const COMMANDS = [
  ['serve'], ['tools'], ['example'],
  ['audit'], ['audit', 'query'], ['audit', 'tail'], ['audit', 'stats'], ['audit', 'export'], ['audit', 'verify'], ['audit', 'prune'], ['audit', 'close-incomplete'], ['audit', 'migrate'],
  ['policy'], ['policy', 'test'], ['policy', 'eval'], ['policy', 'check'], ['policy', 'explain'], ['policy', 'replay'],
  ['token'], ['token', 'create'],
];

describe('warden --help (process)', () => {
  // 28 process starts (~0.5 s of CPU each, bundled): the time is the work, not a wait.
  it('every command and subcommand answers --help and -h with its usage on stdout and exit 0', { timeout: 240_000 }, async () => {
    // -h and --help reach the same check in every command (wantsHelp, or parseArgs' short flag),
    // so -h is run for each command and one subcommand of each family.
    const SHORT = new Set(['serve', 'tools', 'example', 'audit', 'audit query', 'policy', 'policy test', 'token', 'token create']);
    const runs = await bounded(
      COMMANDS.flatMap((command) => (SHORT.has(command.join(' ')) ? ['--help', '-h'] : ['--help']).map((flag) => async () => ({ command, flag, run: await runWarden([...command, flag]) }))),
    );
    for (const { command, flag, run } of runs) {
      const name = [...command, flag].join(' ');
      expect({ name, code: run.code, stderr: run.stderr }).toEqual({ name, code: 0, stderr: '' });
      // The usage names the command itself (a subcommand's own line, not only its parent's).
      expect(run.stdout, name).toMatch(new RegExp(`usage: warden ${command.join(' ')}\\b`));
    }
  });

  it('the top-level help lists every command and every audit and policy subcommand', { timeout: 120_000 }, async () => {
    const [long, short, named] = await Promise.all([runWarden(['--help']), runWarden(['-h']), runWarden(['help', 'audit'])]);
    expect(long).toEqual({ ...short });
    expect(long.code).toBe(0);
    for (const command of ['serve', 'tools', 'audit', 'policy', 'token', 'example']) expect(long.stdout).toMatch(new RegExp(`\\n {2}${command} +\\S`));
    for (const sub of ['query', 'tail', 'stats', 'export', 'verify', 'prune', 'close-incomplete', 'migrate', 'test', 'eval', 'check', 'explain', 'replay']) expect(long.stdout).toContain(sub);
    expect(long.stdout).toContain('--no-color');
    expect(named).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: warden audit <command>') });
  });

  it('an unknown command or subcommand says so by name, on stderr, with exit 2', { timeout: 120_000 }, async () => {
    const [top, audit, policy, token, bare] = await Promise.all([
      runWarden(['frobnicate']), runWarden(['audit', 'frobnicate']), runWarden(['policy', 'frobnicate']), runWarden(['token', 'frobnicate']), runWarden(['audit']),
    ]);
    expect(top).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^warden: USAGE: unknown command "frobnicate"/) });
    expect(audit).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^warden audit: unknown command "frobnicate"/) });
    expect(policy).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^warden policy: unknown command "frobnicate"/) });
    expect(token).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^warden token: unknown command "frobnicate"; expected "create"/) });
    expect(bare).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('usage: warden audit <command>') });
  });

  it('one duration syntax for every flag: --ttl 1w and --since 1w both work; a bad one is a usage error', { timeout: 120_000 }, async () => {
    const [token, since, bad] = await Promise.all([
      runWarden(['token', 'create', '--sub', 'a', '--roles', 'r', '--key', 'examples/keys/dev-only-private.pem', '--ttl', '1w', '--json']),
      runWarden(['audit', 'query', '--db', '/nonexistent/warden-audit.db', '--since', '1w']),
      runWarden(['audit', 'query', '--since', 'soon']),
    ]);
    expect(token.code).toBe(0);
    const claims = (JSON.parse(token.stdout) as { claims: { iat: number; exp: number } }).claims;
    expect(claims.exp - claims.iat).toBe(7 * 86_400);
    // --since 1w is accepted (the missing database is the only complaint: exit 3, not 2).
    expect(since.code).toBe(3);
    expect(bad).toMatchObject({ code: 2, stderr: 'warden: USAGE: --since: expected a duration such as 500ms, 90s, 15m, 1h, 7d or 2w, or an ISO date, got "soon"\n' });
  });
});
