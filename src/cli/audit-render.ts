import type { DecisionRecord, EventRow, PostgresVerifyReport, PruneResult, ReplicaPruneResult, StatsRow, VerifyReport } from '../audit/index.ts';
import type { Paint } from './colour.ts';
import { type CellPaint, printable, renderJson, renderTable } from './render.ts';

/** How `warden audit` output looks: a table for people (coloured on a TTY), JSON or CSV for machines. */
export type OutputFormat = 'table' | 'json' | 'csv';


/** RFC 4180: quote a cell when it holds a comma, quote or line break; double inner quotes. */
function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function renderCsv(columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function tabular(columns: readonly string[], rows: string[][], format: OutputFormat, data: unknown, paint?: CellPaint): string {
  if (format === 'json') return renderJson(data);
  if (format === 'csv') return renderCsv(columns, rows);
  return renderTable(columns, rows, paint);
}

/** allow green, deny red; an outcome other than ok yellow (a tool error, timeout, ...). */
export function paintDecision(paint: Paint, decision: string): string {
  return decision.trimEnd() === 'allow' ? paint.green(decision) : decision.trimEnd() === 'deny' ? paint.red(decision) : decision;
}

const paintOutcome = (paint: Paint, outcome: string): string => (outcome.trim() === '' || outcome.trimEnd() === 'ok' ? outcome : paint.yellow(outcome));

const cell = (value: string | number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

export function renderDecisions(records: readonly DecisionRecord[], format: OutputFormat, paint: Paint): string {
  const columns = ['SEQ', 'TIME', 'SUB', 'CLIENT', 'METHOD', 'TOOL', 'SERVER', 'WORKFLOW', 'DECISION', 'OUTCOME', 'MS', 'REASONS'];
  const rows = records.map((r) => [
    cell(r.replica === undefined ? r.seq : `${r.replica}:${r.seq}`), r.time, cell(r.sub), cell(r.client.id ?? r.client.transport), cell(r.method), cell(r.tool), cell(r.server),
    r.workflow === null ? '' : `${r.workflow.name}/${r.workflow.step}`, r.decision, cell(r.outcome), cell(r.durationMs), r.reasons.join('; '),
  ]);
  const decision = columns.indexOf('DECISION');
  const outcome = columns.indexOf('OUTCOME');
  return tabular(columns, rows, format, records, (_, column, text) => (column === decision ? paintDecision(paint, text) : column === outcome ? paintOutcome(paint, text) : text));
}

export function renderStats(all: readonly StatsRow[], by: string, format: OutputFormat): string {
  // --by tool / server counts what has a tool or server: decisions without one (lists, server
  // requests) made a row with an empty key. Without a principal (auth disabled) the key is "-".
  const stats = by === 'tool' || by === 'server' ? all.filter((s) => s.key !== null) : all;
  const columns = [by.toUpperCase(), 'TOTAL', 'ALLOWED', 'DENIED', 'FAILED'];
  const rows = stats.map((s) => [s.key ?? '-', cell(s.total), cell(s.allowed), cell(s.denied), cell(s.failed)]);
  return tabular(columns, rows, format, stats);
}

/** An event as exported: the columns, with `data` parsed back into the object it encodes. */
export function eventJson(row: EventRow): Record<string, unknown> {
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (value !== null) compact[key] = key === 'data' ? JSON.parse(value as string) : value;
  return compact;
}

/** `value` with every string in it made printable (render.ts): what a terminal line may show of it. */
function printableValue(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (Array.isArray(value)) return value.map(printableValue);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) Object.defineProperty(copy, key, { value: printableValue(item), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** One line per event for `tail`: what a person scanning the log wants to see, every value from the row made printable. */
export function renderEventLine(raw: EventRow, paint: Paint): string {
  const row = printableValue(raw) as EventRow;
  const data = printableValue(JSON.parse(raw.data)) as Record<string, unknown>;
  const summary: Record<EventRow['kind'], () => string> = {
    decision: () => `${paintDecision(paint, row.decision ?? '')} ${row.sub ?? '-'} ${row.method} ${row.public_name ?? ''}${row.code ? ` ${row.code}` : ''}`,
    outcome: () => `${paintOutcome(paint, row.outcome ?? '')} ${row.decision_id}${row.code ? ` ${row.code}` : ''} ${String(data.duration_ms)}ms`,
    authn_failure: () => `${row.code} from ${String(data.source)} x${String(data.count)}`,
    policy_reload: () => `revision ${String(data.revision)}${data.ok === false ? ` failed: ${String(data.error)}` : ''}`,
    shadow_disagreement: () => `live ${String(data.live)}, shadow ${row.decision} ${row.sub ?? '-'} ${row.method} ${row.public_name ?? ''} (decision ${row.decision_id})`,
    config_loaded: () => `${String(data.file)}`,
    config_reload: () => `${String(data.file)}${data.ok === false ? ` refused: ${String(data.error)}` : ` changed (at next start): [${String(data.changed)}]`}`,
    startup: () => `pid ${String(data.pid)}${data.incomplete ? `, ${String(data.incomplete)} incomplete` : ''}`,
    shutdown: () => `${String(data.reason)}`,
    prune: () => `removed ${String(data.removed)} rows through seq ${String(data.through_seq)}`,
    witness: () => Object.entries(data.heads as Record<string, { seq: number }>).map(([replica, head]) => `${replica}:${head.seq}`).join(' '),
    tool_pin: () =>
      `${String(data.action)} ${String(data.item)} ${row.upstream}/${row.upstream_name} ${String(data.status)} ${String(data.digest).slice(0, 12)}${data.by ? ` by ${String(data.by)}` : ''}`,
    key_rotation: () => `chain key ${String(data.from_key_id)} -> ${String(data.to_key_id)}${data.by ? ` by ${String(data.by)}` : ''}`,
    shown: () => `${row.sub ?? '-'} ${row.method} ${String(data.count)} names ${String(data.names_sha256).slice(0, 12)}`,
  };
  const position = 'replica_id' in row ? `${String(row.replica_id)}:${row.seq}` : String(row.seq);
  return `${position}  ${row.time}  ${row.kind.padEnd(13)}  ${summary[row.kind]()}\n`;
}

/** One chain's verdict, as one line (SQLite's only chain; each replica's on PostgreSQL). */
function verdict(report: Omit<VerifyReport, 'ok' | 'index'>, paint: Paint): string {
  if (report.problem) return `${paint.red('chain broken')} at seq ${report.problem.seq}: ${report.problem.kind}: ${report.problem.message}`;
  const range = report.rows === 0 ? 'no rows' : `${report.rows} rows, seq ${report.firstSeq}..${report.lastSeq}`;
  const anchor = report.anchor ? `, anchored at seq ${report.anchor.seq} after pruning ${report.anchor.removed} rows` : '';
  return `${paint.green('chain intact')}: ${range}${anchor}`;
}

export function renderVerify(report: VerifyReport, json: boolean, paint: Paint): string {
  if (json) return renderJson(report);
  if (report.problem) return `${verdict(report, paint)}\n`;
  const index = report.index ? `${paint.red('query index wrong')} at seq ${report.index.seq}: ${report.index.message}\n` : '';
  return `${verdict(report, paint)}\n${index}`;
}

/** PostgreSQL: one line per replica's chain, `replica ID: ` before the line SQLite prints. */
export function renderVerifyReplicas(report: PostgresVerifyReport, json: boolean, paint: Paint): string {
  if (json) return renderJson(report);
  if (report.chains.length === 0) return 'no chains\n';
  return report.chains.map((chain) => `replica ${chain.replica}: ${verdict(chain, paint)}\n`).join('');
}

function pruned(result: PruneResult): string {
  if (result.throughSeq === null) return 'nothing to prune';
  return `removed ${result.removed} rows through seq ${result.throughSeq}; verify starts from that anchor`;
}

export function renderPrune(result: PruneResult, json: boolean): string {
  return json ? renderJson(result) : `${pruned(result)}\n`;
}

export function renderPruneReplicas(results: readonly ReplicaPruneResult[], json: boolean): string {
  if (json) return renderJson(results);
  if (results.length === 0) return 'nothing to prune\n';
  return results.map((result) => `replica ${result.replica}: ${pruned(result)}\n`).join('');
}
