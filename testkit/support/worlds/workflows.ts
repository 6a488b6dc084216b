/**
 * A real gateway process (`warden serve --http --port 0`) in front of real kitchen-sink upstreams,
 * with real JWT authentication (the DEV-ONLY example keys), the default `authz.rego` over this
 * suite's own roles, and a SQLite audit file this suite reads back. Nothing of ours is mocked:
 * composites are loaded from the config file exactly as `serve` loads them.
 *
 * Upstreams, each with its own call counter so a test can prove an upstream saw nothing:
 * - `slow`: kitchen-sink over stdio, used for the slow first steps (cancellation, timeout);
 * - `ks`:   kitchen-sink over stdio, the observable later steps;
 * - `gone`: kitchen-sink over Streamable HTTP, started here so a test can kill it mid-suite.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallCounts } from '../../fixtures/kitchen-sink/call-counter.ts';
import { startGatewayHttp, waitForTool } from '../gateway-process.ts';
import { devToken } from '../tokens.ts';
import { fixtureCommand, startFixture, type FixtureHandle } from '../../fixtures/spawn.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type Upstream = 'slow' | 'ks' | 'gone';

export interface WorkflowStack {
  url: string;
  auditDb: string;
  /** The gateway's stderr so far (pino JSON lines), for failure messages. */
  gatewayLog: string[];
  /** An SDK client over Streamable HTTP carrying a freshly signed token for `sub` with `roles`. */
  connect(sub: string, roles: string[]): Promise<Client>;
  /** What the upstream received so far (its kitchen-sink call counter file). */
  calls(upstream: Upstream): CallCounts;
  /** Stops the `gone` upstream's process (SIGTERM, SIGKILL after 2 s). */
  killGone(): Promise<void>;
  close(): Promise<void>;
}


export async function startWorkflowStack(): Promise<WorkflowStack> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-workflows-'));
  const callsFile = (upstream: Upstream) => join(dir, `${upstream}-calls.json`);
  const clients: Client[] = [];
  let gone: FixtureHandle | undefined;
  let gateway: Awaited<ReturnType<typeof startGatewayHttp>> | undefined;
  const close = async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await gateway?.close();
    await gone?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    gone = await startFixture('kitchen-sink', 'http', { env: { KITCHEN_SINK_CALLS_FILE: callsFile('gone') } });
    const stdio = (upstream: Upstream) => ({ ...fixtureCommand('kitchen-sink', 'stdio'), env: { KITCHEN_SINK_CALLS_FILE: callsFile(upstream) } });
    const config = writeConfig(dir, { slow: stdio('slow'), ks: stdio('ks'), gone: gone.entry });
    gateway = await startGatewayHttp(config);
    const stack: WorkflowStack = {
      url: gateway.url,
      auditDb: join(dir, 'audit.db'),
      gatewayLog: gateway.stderr,
      async connect(sub, roles) {
        const client = new Client({ name: 'workflow-test', version: '1' });
        const requestInit = { headers: { Authorization: `Bearer ${await devToken(sub, roles)}` } };
        await client.connect(new StreamableHTTPClientTransport(new URL(stack.url), { requestInit }));
        clients.push(client);
        return client;
      },
      calls: (upstream) => JSON.parse(readFileSync(callsFile(upstream), 'utf8')) as CallCounts,
      killGone: async () => gone?.close(),
      close,
    };
    // The gateway may start degraded while the stdio fixtures start; wait for every upstream.
    const probe = await stack.connect('probe', ['runner']);
    for (const tool of ['slow__slow', 'ks__echo', 'gone__echo']) await waitForTool(probe, tool);
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}

function writeConfig(dir: string, mcpServers: Record<string, unknown>): string {
  // The real default entry policy, with this suite's roles as its data document.
  const data = join(dir, 'data.json');
  writeFileSync(data, JSON.stringify({ warden: { roles: ROLES } }));
  const config = {
    mcpServers,
    auth: {
      mode: 'jwt',
      issuers: [{ issuer: 'https://dev-idp.mcp-warden.invalid', audience: 'mcp-warden', jwks_file: join(ROOT, 'examples/keys/dev-only-jwks.json'), algorithms: ['RS256'] }],
    },
    policy: { engine: 'rego', paths: [join(ROOT, 'policies/authz.rego'), data], watch: false },
    audit: { path: join(dir, 'audit.db') },
    composites: COMPOSITES,
  };
  const file = join(dir, 'warden.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * The composites and roles the workflow suite runs against. Each composite isolates one concern,
 * so a test's counters and audit rows are its own.
 */
const echo = (id: string, message: string) => ({ id, tool: 'ks__echo', arguments: { message } });

/** Slow enough (4 s) that a test can cancel or time it out while it runs. */
const slowStep = (id: string, extra: Record<string, unknown> = {}) => ({ id, tool: 'slow__slow', arguments: { steps: 40, delayMs: 100 }, ...extra });

export const COMPOSITES = [
  {
    name: 'slow_then_add',
    description: 'A slow step, then an add whose upstream counts its calls.',
    steps: [slowStep('wait'), { id: 'after', tool: 'ks__add', arguments: { a: 1, b: 2 } }],
  },
  {
    name: 'three_echoes',
    description: 'Three quick steps, for progress.',
    input_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    steps: [echo('one', '{{ input.word }}'), echo('two', '{{ text(steps.one.result) }}!'), echo('three', '{{ text(steps.two.result) }}!')],
    result: '{{ text(steps.three.result) }}',
  },
  {
    name: 'timed',
    description: 'A quick step, then a slow one with a 300 ms step timeout.',
    steps: [echo('first', 'quick'), slowStep('sluggish', { timeout_ms: 300 })],
  },
  {
    name: 'via_gone',
    description: 'A quick step, then one on the upstream a test kills.',
    steps: [echo('first', 'quick'), { id: 'remote', tool: 'gone__echo', arguments: { message: 'anyone there?' } }],
  },
  {
    name: 'sum_behind',
    description: 'An echo, then ks__add, which the role `limited` may not see.',
    steps: [echo('greet', 'hello'), { id: 'sum', tool: 'ks__add', arguments: { a: 40, b: 2 } }],
  },
];

/** data.warden.roles for policies/authz.rego: `runner` may do everything, `limited` only echo and sum_behind. */
export const ROLES = {
  runner: { tools: { '*': ['*'] }, resources: {}, prompts: {} },
  limited: { tools: { ks: ['echo'], warden: ['sum_behind'] }, resources: {}, prompts: {} },
};
