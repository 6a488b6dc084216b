import { existsSync } from 'node:fs';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { CatalogSnapshot } from '../catalog/index.ts';
import { loadComposites } from '../composites/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { UpstreamCatalog } from '../gateway/index.ts';
import { logger } from '../log.ts';
import { parseFlags, wantsHelp } from './args.ts';
import { type Paint, paintFor } from './colour.ts';
import { PINS_USAGE, runPins } from './tools-pins.ts';
import { openPins, type PinRecord } from '../audit/index.ts';
import type { UpstreamListing } from '../catalog/index.ts';
import { definitionOf, type PinState, type PinView, pinViewOf } from '../integrity/index.ts';
import { auditTargetOf } from './audit-target.ts';
import { EXIT } from './exit-codes.ts';
import { printable, renderJson, renderTable } from './render.ts';
import { VERSION } from '../package-root.ts';

const USAGE = `usage: warden tools [--config PATH] [--json]   (each tool's pin status: approved, changed, quarantined, unpinned)
${PINS_USAGE}`;
const PIN_COMMANDS = new Set(['diff', 'approve', 'revoke']);

const flagsSchema = z.object({
  config: z.string().min(1).default('warden.config.json'),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});

export interface ToolRow {
  publicName: string;
  upstream: string;
  originalName: string;
  notes: string[];
  /** Its pin status (issue 15), absent for the gateway's own composite tools. */
  pin?: PinView;
}

export interface ToolsReport {
  tools: ToolRow[];
  omitted: CatalogSnapshot['omissions'];
  down: string[];
  /** Why each upstream in `down` could not be reached. */
  reasons: Record<string, string>;
}

/**
 * Connects to every upstream once, builds the catalog exactly as `serve` would (composite tools
 * included), and reports the name mapping (what is shortened, renamed, prefixed on conflict, or
 * left out, and why).
 */
async function collectTools(config: ResolvedConfig): Promise<ToolsReport> {
  const composites = await loadComposites(config.composites, config.compositeModules);
  const listings = new Map<string, UpstreamListing>();
  const built = new UpstreamCatalog(config, composites, {
    log: logger.child({ component: 'tools' }),
    clientInfo: { name: 'mcp-warden-tools', version: VERSION },
    events: {
      onListing: (upstream, listing) => void listings.set(upstream, listing),
      onNotification: () => undefined,
      onServerRequest: async () => {
        throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'warden tools does not answer server requests');
      },
    },
  });
  try {
    const { down } = await built.start();
    const snapshot = built.catalog.snapshot;
    const pinOf = await pinLookup(config, listings);
    const tools = snapshot.toolList.map((t) => {
      const row: ToolRow = { publicName: t.publicName, upstream: t.upstream, originalName: t.originalName, notes: [...t.notes] };
      const pin = pinOf(t.upstream, t.originalName);
      if (pin !== undefined) row.pin = pin;
      return row;
    });
    const reasons = Object.fromEntries(down.map((name) => [name, built.upstreams.get(name)?.lastFailure ?? 'not connected']));
    return { tools, omitted: snapshot.omissions, down, reasons };
  } finally {
    await built.upstreams.close();
  }
}

/**
 * The pin status of each upstream tool, from the audit database the config names. A SQLite file
 * that does not exist yet means the gateway never ran on this config: nothing is pinned, so each
 * tool is `unpinned` (decided at its first listing). A database that cannot be read (a broken
 * file, PostgreSQL down) shows as `unknown` with the reason, and the names are still listed.
 */
async function pinLookup(config: ResolvedConfig, listings: ReadonlyMap<string, UpstreamListing>): Promise<(upstream: string, name: string) => PinView | undefined> {
  // By upstream and name, read once: a search per tool made 150,000 tools take 42 s.
  const byName = new Map([...listings].map(([upstream, listing]) => [upstream, new Map(listing.tools.map((tool) => [tool.name, tool]))]));
  const digestOf = (upstream: string, name: string): string | undefined => {
    const item = byName.get(upstream)?.get(name);
    return item === undefined ? undefined : definitionOf('tool', item).digest;
  };
  const view = (pins: ReadonlyMap<string, PinRecord>, upstream: string, name: string): PinView | undefined => {
    const digest = digestOf(upstream, name);
    return digest === undefined ? undefined : pinViewOf(pins.get(`${upstream}\u0000${name}`), digest, config.integrity);
  };
  const target = auditTargetOf({ config: config.file });
  if (target.backend === 'sqlite' && !existsSync(target.path)) return (upstream, name) => view(new Map(), upstream, name);
  let pins: Map<string, PinRecord>;
  try {
    const opened = await openPins(target);
    try {
      pins = new Map((await opened.pins.readPins()).filter((pin) => pin.kind === 'tool').map((pin) => [`${pin.upstream}\u0000${pin.name}`, pin]));
    } finally {
      await opened.close();
    }
  } catch (error) {
    const reason = `the pins table cannot be read: ${(error as Error).message}`;
    return (upstream, name) => (digestOf(upstream, name) === undefined ? undefined : { status: 'unknown', reason });
  }
  return (upstream, name) => view(pins, upstream, name);
}

const PIN_PAINT: Record<PinState, (paint: Paint, text: string) => string> = {
  approved: (paint, text) => paint.green(text),
  changed: (paint, text) => paint.red(text),
  quarantined: (paint, text) => paint.red(text),
  unpinned: (paint, text) => paint.yellow(text),
  unknown: (paint, text) => paint.yellow(text),
  off: (_, text) => text,
};

function renderTools(report: ToolsReport, paint: Paint): string {
  const table = renderTable(
    ['PUBLIC NAME', 'UPSTREAM', 'ORIGINAL NAME', 'PIN', 'NOTES'],
    report.tools.map((t) => [t.publicName, t.upstream, t.originalName, t.pin?.status ?? '-', [...t.notes, ...(t.pin && t.pin.status !== 'approved' ? [t.pin.reason] : [])].join(', ')]),
    (row, column, text) => {
      const pin = report.tools[row]?.pin;
      return column === 3 && pin !== undefined ? PIN_PAINT[pin.status](paint, text) : text;
    },
  );
  const omitted = report.omitted.map((o) => `${paint.yellow('omitted')} ${o.kind} ${o.upstream}/${printable(o.name)}: ${printable(o.reason)}\n`).join('');
  const down = report.down.map((name) => `${paint.yellow(`upstream ${name} is unreachable`)}: ${printable(report.reasons[name] ?? '')}; its tools are missing\n`).join('');
  return table + omitted + down;
}

export async function run(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first !== undefined && PIN_COMMANDS.has(first)) {
    if (wantsHelp(rest)) return void process.stdout.write(`${PINS_USAGE}\n`), EXIT.OK;
    return runPins(first as 'diff' | 'approve' | 'revoke', rest);
  }
  const flags = parseFlags(args, { config: { type: 'string', short: 'c' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, flagsSchema);
  if (flags.help) return void process.stdout.write(`${USAGE}\n`), EXIT.OK;
  const report = await collectTools(loadConfig(flags.config));
  process.stdout.write(flags.json ? renderJson(report) : renderTools(report, paintFor(process.stdout)));
  return report.down.length > 0 ? EXIT.PARTIAL : EXIT.OK;
}
