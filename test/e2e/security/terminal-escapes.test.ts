import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARDEN } from '../../../testkit/support/gateway-process.ts';
import { post, request } from '../../../testkit/support/rpc.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

/**
 * What a caller sends ends up in the audit trail (the tool name it asked for, its request id, the
 * policy's reasons that quote its input), and the on-call engineer reads the trail in a terminal.
 * A caller's escape sequences must not act on that terminal: clear the screen, set its title,
 * hide a line, or reorder text (a right-to-left override). Through a real gateway and the CLI as
 * a process: the tables and the tail lines show each such character as its escape; `--json`
 * keeps the exact text.
 */
const HOSTILE = '\u001b[2J\u001b]0;owned\u0007\u001b[8mhidden\u202eevil';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let t: OpenWorld;

beforeAll(async () => {
  // An old-era session: a new-era request would carry the name in its Mcp-Name header too.
  t = await openRecordingWorld();
  const call = (params: Record<string, unknown>) => post(t.world.gateway.url, request('tools/call', params), { session: t.session });
  // Unknown tool: a deny row whose tool column is the name asked for.
  expect((await call({ name: `x__${HOSTILE}`, arguments: {} })).body?.error?.data?.code).toBe('TOOL_NOT_FOUND');
  // The recording world's policy writes what it saw into its answer's reasons.
  await call({ name: 'up__echo', arguments: { message: HOSTILE } });
}, 60_000);
afterAll(() => t?.close());

const audit = (...args: string[]) => spawnSync(process.execPath, [WARDEN, 'audit', ...args, '--db', t.world.audit], { encoding: 'utf8', timeout: 20_000 });

describe('the audit trail read in a terminal', () => {
  it.each([['query'], ['tail', '-n', '20']])('audit %s shows a caller escape sequence as text', (...command) => {
    const { status, stdout } = audit(...command);
    expect(status).toBe(0);
    expect(stdout).toContain('x__\\x1b[2J\\x1b]0;owned\\x07\\x1b[8mhidden\\u202eevil');
    expect(stdout).not.toMatch(RAW);
  });

  it('audit query --json keeps the exact text', () => {
    const { stdout } = audit('query', '--json');
    const tools = (JSON.parse(stdout) as Array<{ tool: string | null }>).map((record) => record.tool);
    expect(tools).toContain(`x__${HOSTILE}`);
  });
});
