import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runWarden } from '../../../testkit/support/gateway-process.ts';

/**
 * Declarative template errors refuse the start: `warden serve` exits 3 (invalid config) with a
 * message naming the composite and the step, before any upstream, policy or audit file is opened.
 */
const dir = mkdtempSync(join(tmpdir(), 'warden-bad-composites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config valid in every other respect, so only the composite can be what refuses the start. */
function configWith(name: string, steps: unknown[], result?: unknown): string {
  const file = join(dir, `${name}.json`);
  const composite = { name, steps, ...(result === undefined ? {} : { result }) };
  writeFileSync(file, JSON.stringify({ mcpServers: {}, auth: { mode: 'disabled' }, policy: { paths: [POLICIES] }, audit: { path: join(dir, `${name}.db`) }, composites: [composite] }));
  return file;
}

const POLICIES = fileURLToPath(new URL('../../../policies', import.meta.url));

// A config that did start would hang here: the test's timeout (and the kill after 15 s) catch that.
const serve = (config: string) => runWarden(['serve', '--config', config, '--http', '--port', '0'], { cwd: dir, killAfterMs: 15_000 });

const fetch = (week: string) => ({ id: 'fetch', tool: 'db__get_sales', arguments: { week } });
const mail = { id: 'mail', tool: 'comms__send_email', arguments: { to: 'sales@example.com' } };

describe('composite template errors at config load', () => {
  it.concurrent.each([
    {
      what: 'a reference to a later step',
      config: () => configWith('early_reader', [fetch('{{ text(steps.mail.result) }}'), mail]),
      message: 'composite early_reader, step fetch: {{ text(steps.mail.result) }}: step mail is not an earlier step',
    },
    {
      what: 'an unknown helper',
      config: () => configWith('shouter', [fetch('{{ shout(input.week) }}'), mail]),
      message: 'composite shouter, step fetch: {{ shout(input.week) }}: unknown helper shout',
    },
    {
      what: 'an unknown step in the result',
      config: () => configWith('lost_result', [fetch('{{ input.week }}')], '{{ text(steps.nowhere.result) }}'),
      message: 'composite lost_result, result: {{ text(steps.nowhere.result) }}: step nowhere',
    },
  ])('$what: exit 3 naming the composite and where', async ({ config, message }) => {
    const { code, stderr } = await serve(config());
    expect(stderr).toContain('WORKFLOW_TEMPLATE_INVALID');
    expect(stderr).toContain(message);
    expect(code).toBe(3);
  }, 20_000);
});
