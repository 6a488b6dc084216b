/**
 * Example upstream `analytics` (Streamable HTTP): turns sales rows into a report with totals, top
 * products and the week-over-week change, as text and as structured content.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { host, hostOptionsFromArgv } from './host.ts';

const saleRow = z.object({ date: z.string(), product: z.string(), units: z.number(), revenue_cents: z.number() });
const salesData = z.object({
  week: z.string(),
  rows: z.array(saleRow),
  previous_week: z.object({ week: z.string(), rows: z.array(saleRow) }).optional(),
});

export type SalesData = z.infer<typeof salesData>;

export interface SalesReport {
  week: string;
  total_units: number;
  total_revenue_cents: number;
  top_products: { product: string; revenue_cents: number }[];
  week_over_week_percent: number | null;
}

export function buildReport(data: SalesData): SalesReport {
  const revenue = (rows: SalesData['rows']) => rows.reduce((sum, row) => sum + row.revenue_cents, 0);
  const byProduct = new Map<string, number>();
  for (const row of data.rows) byProduct.set(row.product, (byProduct.get(row.product) ?? 0) + row.revenue_cents);
  const total = revenue(data.rows);
  const previous = data.previous_week ? revenue(data.previous_week.rows) : 0;
  return {
    week: data.week,
    total_units: data.rows.reduce((sum, row) => sum + row.units, 0),
    total_revenue_cents: total,
    top_products: [...byProduct]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([product, revenue_cents]) => ({ product, revenue_cents })),
    week_over_week_percent: previous > 0 ? Math.round(((total - previous) / previous) * 1000) / 10 : null,
  };
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

export function renderReport(report: SalesReport): string {
  const change =
    report.week_over_week_percent === null ? 'n/a' : `${report.week_over_week_percent > 0 ? '+' : ''}${report.week_over_week_percent}%`;
  return [
    `Sales report, week of ${report.week}`,
    `Revenue: ${dollars(report.total_revenue_cents)} (${change} week over week), ${report.total_units} units`,
    `Top products: ${report.top_products.map((p) => `${p.product} ${dollars(p.revenue_cents)}`).join(', ')}`,
  ].join('\n');
}

export function createAnalyticsServer(): McpServer {
  const server = new McpServer({ name: 'example-analytics', version: '1.0.0' });
  server.registerTool(
    'generate_report',
    {
      description: 'Totals, top products and week-over-week change for one week of sales rows.',
      inputSchema: { data: salesData },
      annotations: { readOnlyHint: true },
    },
    async ({ data }) => {
      const report = buildReport(data);
      return { content: [{ type: 'text', text: renderReport(report) }], structuredContent: { ...report } };
    },
  );
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await host(createAnalyticsServer, hostOptionsFromArgv(process.argv.slice(2), 'http'));
}
