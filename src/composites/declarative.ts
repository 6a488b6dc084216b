/**
 * Turns a declarative composite from the config file into a Composite: templates compiled and the
 * input schema compiled once, at load, so errors surface before the gateway serves anything.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { WardenError } from '../errors.ts';
import { dataObject } from '../own.ts';
import type { DeclarativeCompositeConfig } from './config.ts';
import { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateScope } from './template.ts';
import type { Composite, ToolResult } from './types.ts';

interface CompiledStep {
  id: string;
  tool: string;
  arguments: CompiledTemplate;
  condition: CompiledTemplate | undefined;
  timeoutMs: number | undefined;
}

const ajv = new Ajv({ allErrors: false, strict: false });

export function compileDeclarativeComposite(config: DeclarativeCompositeConfig): Composite {
  const steps: CompiledStep[] = config.steps.map((step, index) => {
    const site = { composite: config.name, step: step.id, visibleSteps: config.steps.slice(0, index).map((s) => s.id) };
    return {
      id: step.id,
      tool: step.tool,
      arguments: compileTemplate(step.arguments, site),
      condition: step.if === undefined ? undefined : compileTemplate(step.if, site),
      timeoutMs: step.timeout_ms,
    };
  });
  const resultSite = { composite: config.name, visibleSteps: steps.map((s) => s.id) };
  const result = config.result === undefined ? undefined : compileTemplate(config.result, resultSite);
  const validate = compileInputSchema(config);

  return {
    name: config.name,
    description: config.description,
    inputSchema: config.input_schema,
    parseInput(args) {
      const input = args ?? {};
      if (!validate(input)) {
        const error = validate.errors?.[0];
        const where = error?.instancePath ? `arguments${error.instancePath.replaceAll('/', '.')}` : 'arguments';
        throw new WardenError('REQUEST_INVALID', `${config.name}: ${where} ${error?.message ?? 'is invalid'}`);
      }
      return input as Record<string, unknown>;
    },
    async run(ctx, input) {
      const scope: TemplateScope = { input, steps: dataObject() };
      let last: ToolResult = { content: [] };
      for (const [index, step] of steps.entries()) {
        const site = { composite: config.name, step: step.id };
        // A condition may read earlier steps' results, so it is rendered when its step comes up.
        if (step.condition !== undefined && !isTruthy(renderTemplate(step.condition, scope, site, 'undefined'))) continue;
        ctx.progress(`step ${index + 1} of ${steps.length}: ${step.id}`, index, steps.length);
        const args = renderTemplate(step.arguments, scope, site) as Record<string, unknown>;
        last = await ctx.call(step.tool, args, { step: step.id, ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}) });
        scope.steps[step.id] = { result: last };
      }
      ctx.progress('done', steps.length, steps.length);
      return result === undefined ? last : toToolResult(renderTemplate(result, scope, { composite: config.name }));
    },
  };
}

function compileInputSchema(config: DeclarativeCompositeConfig): ValidateFunction {
  try {
    return ajv.compile(config.input_schema);
  } catch (error) {
    throw new WardenError('CONFIG_INVALID', `composite ${config.name}: input_schema is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

function isTruthy(value: unknown): boolean {
  return !(value === false || value === null || value === 0 || value === '' || value === undefined);
}

function toToolResult(value: unknown): ToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}
