/**
 * Example upstream `db` (stdio): a sales database in SQLite with deterministic seeded data.
 * Tools: `get_sales(week)` and a read-only `query(sql)`. Read-only is enforced twice: the policy
 * (policies/servers/db.rego) refuses writing statements, and this server only runs statements that
 * SQLite itself reports as read-only, on a connection opened read-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { host, hostOptionsFromArgv } from './host.ts';

const PRODUCTS = ['anvil', 'rocket-skates', 'giant-magnet', 'tornado-seed', 'dehydrated-boulders'] as const;
const FIRST_DAY = Date.UTC(2026, 8, 28); // Monday 2026-09-28
const DAYS = 13 * 7;
const DAY_MS = 86_400_000;

export interface SaleRow {
  date: string;
  product: string;
  units: number;
  revenue_cents: number;
}

/** A small deterministic generator, so every run (and every test) sees the same sales. */
function seededUnits(day: number, product: number): number {
  const x = Math.sin(day * 12.9898 + product * 78.233) * 43758.5453;
  return 5 + Math.floor((x - Math.floor(x)) * 40);
}

function seed(path: string): void {
  const db = new Database(path);
  db.exec('CREATE TABLE sales (date TEXT NOT NULL, product TEXT NOT NULL, units INTEGER NOT NULL, revenue_cents INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO sales VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let day = 0; day < DAYS; day++) {
      const date = new Date(FIRST_DAY + day * DAY_MS).toISOString().slice(0, 10);
      PRODUCTS.forEach((product, index) => {
        const units = seededUnits(day, index);
        insert.run(date, product, units, units * (1500 + index * 750));
      });
    }
  })();
  db.close();
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function createDbServer(db: Database.Database): McpServer {
  const server = new McpServer({ name: 'example-db', version: '1.0.0' });
  const salesBetween = db.prepare<[string, string], SaleRow>(
    'SELECT date, product, units, revenue_cents FROM sales WHERE date >= ? AND date < ? ORDER BY date, product',
  );

  server.registerTool(
    'get_sales',
    {
      description: 'Sales rows of one week (and of the week before, for comparison).',
      inputSchema: { week: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('First day of the week, YYYY-MM-DD') },
      annotations: { readOnlyHint: true },
    },
    async ({ week }) => {
      const rows = salesBetween.all(week, addDays(week, 7));
      const previous = salesBetween.all(addDays(week, -7), week);
      const result = { week, rows, previous_week: { week: addDays(week, -7), rows: previous } };
      return {
        content: [{ type: 'text', text: `${rows.length} sales rows for the week of ${week}` }],
        structuredContent: result,
      };
    },
  );

  server.registerTool(
    'query',
    {
      description: 'Run one read-only SQL statement against the sales table.',
      inputSchema: { sql: z.string().min(1).max(10_000) },
      annotations: { readOnlyHint: true },
    },
    async ({ sql }) => {
      try {
        const statement = db.prepare(sql);
        if (!statement.readonly || !statement.reader) {
          return { isError: true, content: [{ type: 'text', text: 'only read-only SELECT statements are allowed' }] };
        }
        const rows = statement.all();
        return { content: [{ type: 'text', text: JSON.stringify(rows) }], structuredContent: { rows } };
      } catch (error) {
        return { isError: true, content: [{ type: 'text', text: `SQL error: ${(error as Error).message}` }] };
      }
    },
  );
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-example-db-'));
  const path = join(dir, 'sales.db');
  seed(path);
  const db = new Database(path, { readonly: true });
  process.on('exit', () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await host(() => createDbServer(db), hostOptionsFromArgv(process.argv.slice(2), 'stdio'));
}
