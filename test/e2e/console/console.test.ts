/**
 * The console in a real browser (issue 16): Debian's chromium driven by puppeteer-core against
 * `warden serve` as users run it (real JWT auth with the DEV-ONLY example keys, the default
 * policy set, SQLite audit, the kitchen-sink upstream and a two-step composite). One browser for
 * the whole file; each page's screenshot goes to test-artifacts/console/ (gitignored).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { startGatewayHttp, waitForTool } from '../../../testkit/support/gateway-process.ts';
import { devToken } from '../../../testkit/support/tokens.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** What the rug-pulled description says: markup that must reach the page as text, never as elements. */
const MARKUP = '<img src=x onerror="window.__pwned=1"><b id="injected">bold</b>';

const { dir, cleanup } = tempDir('console-browser');
let gateway: ListeningProcess;
let origin: string;
let browser: Browser;
let page: Page;
let ada: Client;
let alice: Client;

function writeConfig(): string {
  const kitchen = fixtureCommand('kitchen-sink', 'stdio');
  const config = {
    mcpServers: { kitchen: { command: kitchen.command, args: kitchen.args } },
    auth: {
      issuers: [{ issuer: 'https://dev-idp.mcp-warden.invalid', audience: 'mcp-warden', jwks_file: join(ROOT, 'examples/keys/dev-only-jwks.json'), algorithms: ['RS256'] }],
    },
    policy: { paths: [join(ROOT, 'policies')], watch: false },
    audit: { path: join(dir, 'audit.db') },
    // warn: a redefined tool stays listed (unapproved), so the catalog shows its new description.
    integrity: { mode: 'warn' },
    console: {
      enabled: true,
      poll_ms: 300,
      dev_login: {
        private_key_file: join(ROOT, 'examples/keys/dev-only-private.pem'),
        issuer: 'https://dev-idp.mcp-warden.invalid',
        audience: 'mcp-warden',
        key_id: 'warden-dev-1',
        users: [{ sub: 'ada', roles: ['admin'] }, { sub: 'alice', roles: ['analyst'] }],
      },
    },
    composites: [
      {
        name: 'echo_then_add',
        description: 'Echoes, then adds',
        input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
        steps: [
          { id: 'say', tool: 'kitchen__echo', arguments: { message: '{{ input.text }}' } },
          { id: 'sum', tool: 'kitchen__add', arguments: { a: 1, b: 2 } },
        ],
        result: 'done',
      },
    ],
  };
  const path = join(dir, 'warden.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

const bearer = async (sub: string, roles: string[]) => ({ type: 'http' as const, url: `${origin}/mcp`, headers: { Authorization: `Bearer ${await devToken(sub, roles)}` } });

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Text of every element matching `selector`. */
const texts = (selector: string) => page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent ?? ''));

async function login(user: string): Promise<void> {
  await page.goto(`${origin}/console/`);
  await page.waitForSelector(`button[data-user="${user}"]`);
  await Promise.all([page.waitForNavigation(), page.click(`button[data-user="${user}"]`)]);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it; CHROMIUM_PATH names another)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  gateway = await startGatewayHttp(writeConfig());
  origin = new URL(gateway.url).origin;
  ada = await connectClient(await bearer('ada', ['admin']));
  alice = await connectClient(await bearer('alice', ['analyst']));
  await waitForTool(ada, 'kitchen__echo');
  for (let i = 0; i < 5; i += 1) await ada.callTool({ name: 'kitchen__echo', arguments: { message: `hello ${i}` } });
  await ada.callTool({ name: 'kitchen__add', arguments: { a: 2, b: 3 } });
  await ada.callTool({ name: 'echo_then_add', arguments: { text: 'composite' } });
  // Denied: the analyst role grants nothing of kitchen, so the tool answers as unknown (a deny row).
  await alice.callTool({ name: 'kitchen__echo', arguments: { message: 'nope' } }).catch(() => undefined);
  await ada.callTool({ name: 'kitchen__redefine', arguments: { name: 'echo', description: MARKUP } });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
  page = await browser.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ada?.close();
  await alice?.close();
  await gateway?.close();
  cleanup();
});

describe('the console in chromium', () => {
  it('login - a DEV-ONLY example user logs in; the session cookie is HttpOnly and SameSite=Strict', async () => {
    await page.goto(`${origin}/console/`);
    await page.waitForSelector('button[data-user="ada"]');
    await shot('login');
    await Promise.all([page.waitForNavigation(), page.click('button[data-user="ada"]')]);
    await page.waitForSelector('#rows tr');
    const cookie = (await page.cookies()).find((c) => c.name === 'warden_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await texts('#who')).toEqual([expect.stringContaining('ada (admin)')]);
  });

  it('decisions - newest first, and the tool glob and decision filters narrow the rows', async () => {
    await page.goto(`${origin}/console/#/decisions`);
    await page.waitForSelector('#rows tr');
    const tools = await texts('#rows tr td:nth-child(4)');
    expect(tools).toEqual(expect.arrayContaining(['kitchen__echo', 'kitchen__add', 'echo_then_add']));
    await shot('decisions');
    await page.type('input[name="tool"]', 'kitchen__a*');
    await Promise.all([page.waitForFunction('location.hash.includes("tool=")'), page.click('#filters button[type="submit"]')]);
    await page.waitForFunction("document.querySelectorAll('#rows tr').length > 0 && Array.from(document.querySelectorAll('#rows tr td:nth-child(4)')).every((td) => td.textContent === 'kitchen__add')");
    await page.goto(`${origin}/console/#/decisions?decision=deny`);
    await page.waitForSelector('#rows tr');
    expect(new Set(await texts('#rows tr td:nth-child(6)'))).toEqual(new Set(['deny']));
    expect(await texts('#rows tr td:nth-child(2)')).toContain('alice');
    await shot('decisions-denied');
  });

  it('live tail - a call made while the page is open appears without a reload', async () => {
    await page.goto(`${origin}/console/#/decisions?tool=kitchen__echo`);
    await page.waitForSelector('#rows tr');
    await page.click('#live');
    await ada.callTool({ name: 'kitchen__echo', arguments: { message: 'tailed' } });
    await page.waitForSelector('#rows tr.new', { timeout: 15_000 });
    await shot('live-tail');
  });

  it('a decision - the recorded input, the outcome, the chain position and the workflow siblings', async () => {
    await page.goto(`${origin}/console/#/decisions?workflow=echo_then_add`);
    await page.waitForSelector('#rows tr');
    expect(await texts('#rows tr td:nth-child(9)')).toEqual(['echo_then_add / sum', 'echo_then_add / say']);
    await page.click('#rows tr:last-child a');
    await page.waitForSelector('#input');
    const input = JSON.parse((await texts('#input'))[0]!) as { method: string; workflow: unknown; arguments: unknown };
    expect(input).toMatchObject({ method: 'tools/call', workflow: { name: 'echo_then_add', step: 'say' }, arguments: { message: 'composite' } });
    const page_ = (await texts('main'))[0]!;
    expect(page_).toContain('ok');
    expect(page_).toMatch(/previous hash[0-9a-f]{64}/);
    // The composite call itself and its other step, in order.
    expect((await texts('main table tbody tr td:nth-child(3)'))).toEqual(['(the workflow)', 'sum']);
    await shot('decision');
  });

  it('overview - the chart is drawn from the data, with top denied tools and upstream health', async () => {
    await page.goto(`${origin}/console/#/overview?range=1h`);
    await page.waitForSelector('#totals svg path.calls');
    const path = await page.$eval('#totals svg path.calls', (node) => node.getAttribute('d') ?? '');
    // 48 buckets; the calls of this test lie in the last ones: the line rises from the baseline there.
    const ys = path.split(/[ML]/).filter(Boolean).map((point: string) => Number(point.split(',')[1]));
    expect(ys).toHaveLength(48);
    expect(Math.min(...ys)).toBeLessThan(ys[0]!);
    expect(Number((await page.$eval('#totals svg', (node) => node.textContent ?? '')).match(/max (\d+)/)![1])).toBeGreaterThanOrEqual(5);
    const text = (await texts('main'))[0]!;
    expect(text).toContain('kitchen__echo');
    expect(text).toMatch(/kitchenready/);
    // The chain status comes from `warden audit verify` in a child process, run ~2 s after start.
    const chain = async () => {
      await page.goto(`${origin}/console/#/overview?range=1h`, { waitUntil: 'load' });
      await page.reload();
      await page.waitForSelector('#chain');
      return (await texts('#chain'))[0];
    };
    await expect.poll(chain, { timeout: 60_000, interval: 1000 }).toMatch(/intact \(verified .*, \d+ rows\)/);
    await shot('overview');
  });

  it('catalog - what a chosen principal may see, with upstream, original name and pin state; markup in a description renders as text', async () => {
    await page.goto(`${origin}/console/#/catalog?sub=someone&roles=admin`);
    await page.waitForSelector('#visible tbody tr');
    const rows = await page.$$eval('#visible tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => (td as { textContent: string | null }).textContent)));
    const echo = rows.find((cells) => cells[1] === 'kitchen__echo')!;
    expect(echo.slice(2, 4)).toEqual(['kitchen', 'echo']);
    expect(echo[4]).toContain(MARKUP);
    expect(echo[5]).toBe('unapproved');
    expect(await page.$$('#visible img, #injected')).toHaveLength(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await shot('catalog-admin');
    await page.goto(`${origin}/console/#/catalog?recorded=alice`);
    await page.waitForSelector('#hidden tbody tr');
    expect(await page.$$('#visible tbody tr')).toHaveLength(0);
    await shot('catalog-alice');
  });

  it('least privilege - the policy decides what a viewer may read: an analyst gets no page', async () => {
    await Promise.all([page.waitForNavigation(), page.click('#who button')]);
    await login('alice');
    await page.waitForSelector('[role="alert"]');
    expect((await texts('[role="alert"]'))[0]).toContain('no role of alice grants the console\'s decisions page');
    const status = await page.evaluate(async () => (await fetch('/console/api/decisions')).status);
    expect(status).toBe(403);
    await shot('denied');
  });
});
