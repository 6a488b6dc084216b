/**
 * The composite template language: small on purpose.
 *
 * A template is any JSON value. Inside strings, `{{ expr }}` is an expression:
 *   - a string that is exactly one `{{ expr }}` becomes the expression's value (any JSON type);
 *   - otherwise each `{{ expr }}` is replaced by its text (strings as they are, other values as JSON).
 * An expression is a path or one helper call around an expression:
 *   - paths start at `input` (the composite's arguments) or `steps.<id>.result` (the tool result of
 *     an earlier step) and continue with `.name`, `[0]` or `["key"]`;
 *   - `text(x)`: the text items of a tool result joined with newlines;
 *   - `structured(x)`: a tool result's structuredContent;
 *   - `json(x)`: x encoded as JSON text.
 * Templates are parsed when the config is loaded, so syntax errors and references to unknown or
 * later steps are reported then, naming the composite and the step.
 */
import { WardenError } from '../errors.ts';
import { ownValue } from '../own.ts';

type Segment = string | number;
type Expr = { kind: 'path'; root: 'input' | 'steps'; segments: Segment[]; source: string } | { kind: 'call'; fn: Helper; arg: Expr; source: string };
type Helper = 'text' | 'structured' | 'json';
const HELPERS: readonly Helper[] = ['text', 'structured', 'json'];

type Part = string | Expr;
export type CompiledTemplate =
  | { kind: 'literal'; value: unknown }
  | { kind: 'expr'; expr: Expr }
  | { kind: 'interpolate'; parts: Part[] }
  | { kind: 'array'; items: CompiledTemplate[] }
  | { kind: 'object'; entries: [string, CompiledTemplate][] };

export interface TemplateScope {
  input: unknown;
  steps: Record<string, { result: unknown }>;
}

/** Where a template sits, for error messages: `composite weekly_sales_report, step send`. */
interface TemplateSite {
  composite: string;
  step?: string;
  /** Step ids that may be referenced here (the earlier steps). */
  visibleSteps: readonly string[];
}

function siteText(site: TemplateSite): string {
  return `composite ${site.composite}${site.step ? `, step ${site.step}` : ', result'}`;
}

function templateError(site: TemplateSite, message: string): WardenError {
  return new WardenError('WORKFLOW_TEMPLATE_INVALID', `${siteText(site)}: ${message}`, {
    details: { composite: site.composite, ...(site.step ? { step: site.step } : {}) },
  });
}

const PLACEHOLDER = /\{\{(.*?)\}\}/gs;

export function compileTemplate(template: unknown, site: TemplateSite): CompiledTemplate {
  if (typeof template === 'string') return compileString(template, site);
  if (Array.isArray(template)) return { kind: 'array', items: template.map((item) => compileTemplate(item, site)) };
  if (template !== null && typeof template === 'object') {
    return { kind: 'object', entries: Object.entries(template).map(([key, value]) => [key, compileTemplate(value, site)]) };
  }
  return { kind: 'literal', value: template };
}

function compileString(text: string, site: TemplateSite): CompiledTemplate {
  const whole = /^\{\{(.*)\}\}$/s.exec(text.trim());
  if (whole && !whole[1]!.includes('}}')) return { kind: 'expr', expr: parseExpr(whole[1]!, site) };
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(parseExpr(match[1]!, site));
    last = match.index + match[0].length;
  }
  if (parts.length === 0) return { kind: 'literal', value: text };
  if (last < text.length) parts.push(text.slice(last));
  return { kind: 'interpolate', parts };
}

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|(\[\s*(?:\d+|"(?:[^"\\]|\\.)*")\s*\])|(\.)|(\()|(\)))/y;

function parseExpr(source: string, site: TemplateSite): Expr {
  const text = source.trim();
  let position = 0;
  const fail = (why: string) => templateError(site, `{{ ${text} }}: ${why}`);

  const next = (): RegExpExecArray | null => {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(text);
    if (match) position = TOKEN.lastIndex;
    return match;
  };

  const parse = (): Expr => {
    const first = next();
    const name = first?.[1];
    if (!name) throw fail(`expected input, steps.<id>.result or one of ${HELPERS.join(', ')}(...) at column ${position + 1}`);
    TOKEN.lastIndex = position;
    const peek = TOKEN.exec(text);
    if (peek?.[4]) {
      position = TOKEN.lastIndex;
      if (!HELPERS.includes(name as Helper)) throw fail(`unknown helper ${name}; helpers are ${HELPERS.join(', ')}`);
      const arg = parse();
      if (!next()?.[5]) throw fail(`expected ) after the argument of ${name}`);
      return { kind: 'call', fn: name as Helper, arg, source: text };
    }
    if (name !== 'input' && name !== 'steps') throw fail(`unknown name ${name}; paths start at input or steps`);
    const segments: Segment[] = [];
    for (;;) {
      TOKEN.lastIndex = position;
      const token = TOKEN.exec(text);
      if (!token || token[4] || token[5]) break;
      position = TOKEN.lastIndex;
      if (token[3]) {
        const key = next()?.[1];
        if (!key) throw fail(`expected a name after . at column ${position + 1}`);
        segments.push(key);
      } else if (token[2]) {
        const inner = token[2].slice(1, -1).trim();
        segments.push(inner.startsWith('"') ? (JSON.parse(inner) as string) : Number(inner));
      } else {
        throw fail(`unexpected ${token[0].trim()} at column ${position}`);
      }
    }
    if (name === 'steps') checkStepRef(segments, site, fail);
    return { kind: 'path', root: name, segments, source: text };
  };

  const expr = parse();
  if (position < text.trimEnd().length) throw fail(`unexpected ${text.slice(position).trim()}`);
  return expr;
}

function checkStepRef(segments: Segment[], site: TemplateSite, fail: (why: string) => WardenError): void {
  const [id, field] = segments;
  if (typeof id !== 'string' || field !== 'result') throw fail('steps paths have the form steps.<id>.result');
  if (!site.visibleSteps.includes(id)) {
    throw fail(`step ${id} is not an earlier step${site.visibleSteps.length ? ` (earlier steps: ${site.visibleSteps.join(', ')})` : ''}`);
  }
}

/**
 * Evaluates a compiled template. Missing paths are errors (a workflow never sends a silent gap),
 * except in step conditions (`missing: 'undefined'`), where an absent optional input means "skip".
 */
export function renderTemplate(
  template: CompiledTemplate,
  scope: TemplateScope,
  site: Omit<TemplateSite, 'visibleSteps'>,
  missing: 'error' | 'undefined' = 'error',
): unknown {
  const fullSite = { ...site, visibleSteps: [], missing };
  switch (template.kind) {
    case 'literal':
      return template.value;
    case 'expr':
      return evaluate(template.expr, scope, fullSite);
    case 'interpolate':
      return template.parts.map((part) => (typeof part === 'string' ? part : asText(evaluate(part, scope, fullSite)))).join('');
    case 'array':
      return template.items.map((item) => renderTemplate(item, scope, site, missing));
    case 'object':
      return Object.fromEntries(template.entries.map(([key, value]) => [key, renderTemplate(value, scope, site, missing)]));
  }
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type EvalSite = TemplateSite & { missing: 'error' | 'undefined' };

function evaluate(expr: Expr, scope: TemplateScope, site: EvalSite): unknown {
  if (expr.kind === 'call') {
    const value = evaluate(expr.arg, scope, site);
    switch (expr.fn) {
      case 'json':
        return JSON.stringify(value);
      case 'structured':
        if (!isRecord(value) || ownValue(value, 'structuredContent') === undefined) throw templateError(site, `{{ ${expr.source} }}: the value has no structuredContent`);
        return value.structuredContent;
      case 'text':
        return textOf(value, expr, site);
    }
  }
  let value: unknown = expr.root === 'input' ? scope.input : scope.steps;
  const walked: string[] = [expr.root];
  for (const segment of expr.segments) {
    walked.push(typeof segment === 'number' ? `[${segment}]` : `.${segment}`);
    // Own keys only: `input.constructor` is the caller's key or missing, never Object's member.
    value = Array.isArray(value) && typeof segment === 'number' ? value[segment] : isRecord(value) && typeof segment === 'string' ? ownValue(value, segment) : undefined;
    if (value === undefined) {
      if (site.missing === 'undefined') return undefined;
      throw templateError(site, `${walked.join('')} is undefined`);
    }
  }
  return value;
}

function textOf(value: unknown, expr: Expr, site: TemplateSite): string {
  if (typeof value === 'string') return value;
  const content = isRecord(value) ? value.content : undefined;
  if (!Array.isArray(content)) throw templateError(site, `{{ ${expr.source} }}: text() needs a tool result or a string`);
  return content
    .filter((item): item is { type: 'text'; text: string } => isRecord(item) && item.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
