import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeModuleAt, compositesConfigSchema } from '../../../src/composites/config.ts';
import { loadComposites } from '../../../src/composites/load.ts';
import { runComposite } from '../../../src/composites/runner.ts';
import type { StepCall, StepCaller, ToolResult } from '../../../src/composites/types.ts';
import { WardenError } from '../../../src/errors.ts';
import { tempDir } from '../../../testkit/support/audit.ts';

/**
 * The runner against the real example db server over stdio. The step caller here routes `db__x`
 * to tool `x` directly; the gateway's own step caller (authorize + audit per step) is tested end to
 * end in test/gateway.
 */
describe('composite runner', () => {
  let db: Client;
  const calls: StepCall[] = [];
  const denied = new Set<string>();
  const callStep: StepCaller = async (call) => {
    calls.push(call);
    if (denied.has(call.tool)) {
      throw new WardenError('POLICY_DENIED', 'denied by policy', { details: { reasons: ['analysts may not run raw SQL'] } });
    }
    return (await db.callTool({ name: call.tool.replace(/^db__/, ''), arguments: call.arguments })) as ToolResult;
  };

  const declarative = compositesConfigSchema.parse([
    {
      name: 'sales_and_count',
      input_schema: { type: 'object', properties: { week: { type: 'string' } }, required: ['week'] },
      steps: [
        { id: 'fetch', tool: 'db__get_sales', arguments: { week: '{{ input.week }}' } },
        { id: 'count', tool: 'db__query', arguments: { sql: "SELECT count(*) AS n FROM sales WHERE date = '{{ input.week }}'" } },
        { id: 'never', tool: 'db__query', if: '{{ input.also }}', arguments: { sql: 'SELECT 1' } },
      ],
      result: { rows: '{{ steps.fetch.result.structuredContent.rows[0].date }}', count: '{{ text(steps.count.result) }}' },
    },
    {
      name: 'bad_sql',
      steps: [
        { id: 'fetch', tool: 'db__get_sales', arguments: { week: '2026-11-16' } },
        { id: 'write', tool: 'db__query', arguments: { sql: 'DELETE FROM sales' } },
      ],
    },
  ]);
  let composites: Map<string, Awaited<ReturnType<typeof loadComposites>>[number]>;

  beforeAll(async () => {
    db = new Client({ name: 'runner-test', version: '1' });
    await db.connect(new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', join(import.meta.dirname, '../../../examples/servers/db.ts')], stderr: 'ignore' }));
    const loaded = await loadComposites(declarative, [compositeModuleAt('./fixtures/top-product.ts', import.meta.dirname)]);
    composites = new Map(loaded.map((c) => [c.name, c]));
  });
  afterAll(async () => db.close());

  const run = (name: string, args: unknown, signal = new AbortController().signal, onProgress?: (m: string) => void) =>
    runComposite(composites.get(name)!, args, callStep, { signal, ...(onProgress ? { onProgress } : {}) });

  it('runs the steps in order, feeding earlier results into later arguments, and skips a false condition', async () => {
    calls.length = 0;
    const progress: string[] = [];
    const result = await run('sales_and_count', { week: '2026-11-16' }, undefined, (m) => progress.push(m));
    expect(calls.map((c) => [c.step, c.tool])).toEqual([['fetch', 'db__get_sales'], ['count', 'db__query']]);
    expect(result.structuredContent).toEqual({ rows: '2026-11-16', count: '[{"n":5}]' });
    expect(progress).toEqual(['step 1 of 3: fetch', 'step 2 of 3: count', 'done']);
  });

  it('validates the input against the input schema before any step runs', async () => {
    calls.length = 0;
    await expect(run('sales_and_count', { week: 7 })).rejects.toMatchObject({ code: 'REQUEST_INVALID', message: 'sales_and_count: arguments.week must be string' });
    expect(calls).toHaveLength(0);
  });

  it('a failing step stops the workflow with an error naming the step and the completed steps', async () => {
    await expect(run('bad_sql', {})).rejects.toMatchObject({
      code: 'WORKFLOW_STEP_FAILED',
      message: 'bad_sql: step write (db__query) failed: only read-only SELECT statements are allowed',
      details: { step: 'write', completed: ['fetch'], reason: 'TOOL_ERROR' },
    });
  });

  it('a denied step stops the workflow and carries the policy reasons', async () => {
    denied.add('db__query');
    try {
      await expect(run('sales_and_count', { week: '2026-11-16' })).rejects.toMatchObject({
        code: 'WORKFLOW_STEP_FAILED',
        details: { step: 'count', completed: ['fetch'], reason: 'POLICY_DENIED', reasons: ['analysts may not run raw SQL'] },
      });
    } finally {
      denied.clear();
    }
  });

  it('a cancelled call runs no further step', async () => {
    calls.length = 0;
    const controller = new AbortController();
    controller.abort();
    await expect(run('sales_and_count', { week: '2026-11-16' }, controller.signal)).rejects.toMatchObject({ code: 'WORKFLOW_STEP_FAILED', details: { reason: 'UPSTREAM_CANCELLED', completed: [] } });
    expect(calls).toHaveLength(0);
  });

  it('runs a programmatic composite loaded from a module', async () => {
    const result = await run('top_product', { week: '2026-11-16' });
    expect((result.content as { text: string }[])[0]!.text).toMatch(/^[a-z-]+ sold \d+ units in the week of 2026-11-16$/);
    expect(composites.get('top_product')!.inputSchema).toMatchObject({ type: 'object', required: ['week'] });
  });

  it('imports an edited module anew, and an unchanged one once', async () => {
    const { dir, cleanup } = tempDir('composite-module');
    try {
      const module = join(dir, 'edited.mjs');
      const define = pathToFileURL(join(import.meta.dirname, '../../../src/composites/define.ts')).href;
      const zod = pathToFileURL(join(import.meta.dirname, '../../../node_modules/zod/index.js')).href;
      const write = (description: string) =>
        writeFileSync(
          module,
          `import { defineComposite } from '${define}';\nimport { z } from '${zod}';\nexport const c = defineComposite({ name: 'edited', description: '${description}', input: z.object({}), run: async () => '' });\n`,
        );
      write('first');
      const first = await loadComposites([], [compositeModuleAt(module, dir)]);
      expect((await loadComposites([], [compositeModuleAt(module, dir)]))[0]).toBe(first[0]);
      write('second');
      expect((await loadComposites([], [compositeModuleAt(module, dir)]))[0]!.description).toBe('second');
    } finally {
      cleanup();
    }
  });

  it('refuses a module that exports no composite, and duplicate names', async () => {
    await expect(loadComposites([], [compositeModuleAt('./template.test.ts', import.meta.dirname)])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(loadComposites([declarative[0]!, declarative[0]!], [])).rejects.toThrow(/defined twice/);
  });
});
