import type { EventRow } from '../audit/chain.ts';
import type { PruneResult } from '../audit/sqlite/prune.ts';
import type { DecisionRecord, StatsRow } from '../audit/sqlite/query.ts';
import type { VerifyReport } from '../audit/sqlite/verify.ts';
import { renderJson, renderTable } from './render.ts';

/** How `warden audit` output looks: a table for people (coloured on a TTY), JSON or CSV for machines. */
export type OutputFormat = 'table' | 'json' | 'csv';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

/** RFC 4180: quote a cell when it holds a comma, quote or line break; double inner quotes. */
function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function renderCsv(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Colours whole table lines (after alignment, so escape codes never skew the column widths). */
function colourLines(table: string, colours: readonly (string | undefined)[]): string {
  const lines = table.split('\n');
  return lines.map((line, index) => (index > 0 && colours[index - 1] ? `${colours[index - 1]}${line}${RESET}` : line)).join('\n');
}

function tabular(columns: readonly string[], rows: string[][], format: OutputFormat, data: unknown, colours: (string | undefined)[] = [], colour = false): string {
  if (format === 'json') return renderJson(data);
  if (format === 'csv') return renderCsv(columns, rows);
  const table = renderTable(columns, rows);
  return colour ? colourLines(table, colours) : table;
}

const cell = (value: string | number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

export function renderDecisions(records: readonly DecisionRecord[], format: OutputFormat, colour: boolean): string {
  const columns = ['SEQ', 'TIME', 'SUB', 'METHOD', 'TOOL', 'SERVER', 'DECISION', 'OUTCOME', 'MS', 'REASONS'];
  const rows = records.map((r) => [cell(r.seq), r.time, cell(r.sub), cell(r.method), cell(r.tool), cell(r.server), r.decision, cell(r.outcome), cell(r.durationMs), r.reasons.join('; ')]);
  const colours = records.map((r) => (r.decision === 'deny' ? RED : r.outcome !== null && r.outcome !== 'ok' ? YELLOW : undefined));
  return tabular(columns, rows, format, records, colours, colour);
}

export function renderStats(stats: readonly StatsRow[], by: string, format: OutputFormat): string {
  const columns = [by.toUpperCase(), 'TOTAL', 'ALLOWED', 'DENIED', 'FAILED'];
  const rows = stats.map((s) => [cell(s.key), cell(s.total), cell(s.allowed), cell(s.denied), cell(s.failed)]);
  return tabular(columns, rows, format, stats);
}

/** An event as exported: the columns, with `data` parsed back into the object it encodes. */
export function eventJson(row: EventRow): Record<string, unknown> {
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (value !== null) compact[key] = key === 'data' ? JSON.parse(value as string) : value;
  return compact;
}

/** One line per event for `tail`: what a person scanning the log wants to see. */
export function renderEventLine(row: EventRow): string {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const summary: Record<EventRow['kind'], () => string> = {
    decision: () => `${row.decision} ${row.sub ?? '-'} ${row.method} ${row.public_name ?? ''}${row.code ? ` ${row.code}` : ''}`,
    outcome: () => `${row.outcome} ${row.decision_id}${row.code ? ` ${row.code}` : ''} ${String(data.duration_ms)}ms`,
    authn_failure: () => `${row.code} from ${String(data.source)} x${String(data.count)}`,
    policy_reload: () => `revision ${String(data.revision)}${data.ok === false ? ` failed: ${String(data.error)}` : ''}`,
    config_loaded: () => `${String(data.file)}`,
    startup: () => `pid ${String(data.pid)}${data.incomplete ? `, ${String(data.incomplete)} incomplete` : ''}`,
    shutdown: () => `${String(data.reason)}`,
    prune: () => `removed ${String(data.removed)} rows through seq ${String(data.through_seq)}`,
    witness: () => Object.entries(data.heads as Record<string, { seq: number }>).map(([replica, head]) => `${replica}:${head.seq}`).join(' '),
  };
  return `${row.seq}  ${row.time}  ${row.kind.padEnd(13)}  ${summary[row.kind]()}\n`;
}

export function renderVerify(report: VerifyReport, json: boolean): string {
  if (json) return renderJson(report);
  if (report.problem) return `chain broken at seq ${report.problem.seq}: ${report.problem.kind}: ${report.problem.message}\n`;
  const range = report.rows === 0 ? 'no rows' : `${report.rows} rows, seq ${report.firstSeq}..${report.lastSeq}`;
  const anchor = report.anchor ? `, anchored at seq ${report.anchor.seq} after pruning ${report.anchor.removed} rows` : '';
  const index = report.index ? `query index wrong at seq ${report.index.seq}: ${report.index.message}\n` : '';
  return `chain intact: ${range}${anchor}\n${index}`;
}

export function renderPrune(result: PruneResult, json: boolean): string {
  if (json) return renderJson(result);
  if (result.throughSeq === null) return 'nothing to prune\n';
  return `removed ${result.removed} rows through seq ${result.throughSeq}; verify starts from that anchor\n`;
}
