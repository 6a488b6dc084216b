/**
 * Runs one conformance case and judges it as OPA's runner does (see the suite's README): modules
 * named test-0.rego..., input from `input_term` or `input`, strict built-in errors on request,
 * error text as a substring, results compared as sets of var -> value mappings.
 */
import { compile } from '../src/policy-set.ts';
import { RegoError } from '../src/errors.ts';
import { RObject, compare, fromJson, keyOf, toJson, toJsonText } from '../src/value.ts';
import type { Value } from '../src/value.ts';
import type { ConformanceCase } from './load.ts';

export type Verdict = { status: 'pass' } | { status: 'fail'; reason: string; detail?: string } | { status: 'skip'; reason: string };

/**
 * Directories that cannot run in-process, each with its reason. None today: net.lookup_ip_addr
 * answers IP literals and `localhost` (RFC 6761) without a resolver and refuses every other name,
 * which is all its cases ask.
 */
const SKIPPED_DIRS: Record<string, string> = {};

export function judge(c: ConformanceCase): Verdict {
  const skip = SKIPPED_DIRS[c.dir];
  if (skip) return { status: 'skip', reason: skip };
  let results: Record<string, Value>[] = [];
  let error: unknown;
  try {
    const files = Object.fromEntries(c.modules.map((source, i) => [`test-${i}.rego`, source]));
    const set = compile(files, { data: c.data ?? {}, experimentalKeywords: c.experimentalKeywords, limits: { maxSteps: 2_000_000 } });
    const input = c.inputTerm !== undefined ? evaluateTerm(c.inputTerm) : c.input;
    const outcome = set.prepare(c.query).evaluateValues({ input, strict: c.strictError, nowNs: BigInt(Date.now()) * 1_000_000n });
    results = outcome.results;
    error = outcome.error;
  } catch (thrown) {
    error = thrown;
  }
  const message = error instanceof Error ? error.message : error === undefined ? undefined : String(error);
  if (c.wantError !== undefined || c.wantErrorCode !== undefined) {
    if (message === undefined) return { status: 'fail', reason: `expected error ${c.wantErrorCode ?? ''} ${JSON.stringify(c.wantError ?? '')}, got ${results.length} result(s)` };
    if (c.wantError !== undefined && !message.includes(c.wantError)) {
      return { status: 'fail', reason: `error text mismatch, got: ${firstLine(message)}`, detail: `want: ${c.wantError}\ngot:  ${message}` };
    }
    if (c.wantErrorCode !== undefined && !(error instanceof RegoError && error.code === c.wantErrorCode)) {
      return { status: 'fail', reason: `error code mismatch, got: ${firstLine(message)}`, detail: `want: ${c.wantErrorCode}\ngot:  ${message}` };
    }
  } else if (message !== undefined) {
    return { status: 'fail', reason: `unexpected error: ${firstLine(message)}`, detail: error instanceof RegoError ? message : (error as Error)?.stack ?? message };
  }
  if (c.wantResult === undefined) return c.wantError !== undefined || c.wantErrorCode !== undefined ? { status: 'pass' } : { status: 'fail', reason: 'malformed case' };
  const want = resultSet(c.wantResult.map((row) => fromJson(row) as RObject), c);
  const got = resultSet(results.map((row) => fromJson(toJson(RObject.fromEntries(Object.entries(row)))) as RObject), c);
  const missing = [...want.keys()].filter((key) => !got.has(key));
  const extra = [...got.keys()].filter((key) => !want.has(key));
  if (missing.length === 0 && extra.length === 0) return { status: 'pass' };
  return {
    status: 'fail',
    reason: 'results differ',
    detail: `want: ${[...want.values()].map(toJsonText).join('\n      ')}\ngot:  ${[...got.values()].map(toJsonText).join('\n      ')}`,
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 160);
}

/** Result rows as a set keyed canonically, after `sort_bindings` / `ignore_generated_vars`. */
function resultSet(rows: RObject[], c: ConformanceCase): Map<string, Value> {
  const set = new Map<string, Value>();
  for (const row of rows) {
    const out = new RObject();
    for (const [name, value] of row.entries()) {
      if (c.ignoreGeneratedVars && typeof name === 'string' && name.startsWith('__localq')) continue;
      out.set(name, c.sortBindings && Array.isArray(value) ? [...value].sort(compare) : value);
    }
    set.set(keyOf(out), out);
  }
  return set;
}

/** `input_term` is Rego: evaluate it as a query `x = <term>`. */
function evaluateTerm(term: string): Value {
  const rows = compile({}).prepare(`x = ${term}`).evaluateValues().results;
  if (rows.length !== 1 || rows[0]!.x === undefined) throw new Error(`input_term did not evaluate to one value`);
  return rows[0]!.x;
}
