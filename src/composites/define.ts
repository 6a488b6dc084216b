/**
 * The programmatic API, for logic a template cannot express:
 *
 *   export default defineComposite({
 *     name: 'top_customer_mail',
 *     description: '...',
 *     input: z.object({ week: z.string() }),
 *     run: async (ctx, input) => { const sales = await ctx.call('db__get_sales', { week: input.week }); ... },
 *   });
 */
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import type { Composite, CompositeContext, ToolResult } from './types.ts';

interface CompositeDefinition<Schema extends z.ZodObject> {
  name: string;
  description?: string;
  input: Schema;
  run: (ctx: CompositeContext, input: z.infer<Schema>) => Promise<ToolResult | string>;
}

const COMPOSITE_BRAND = Symbol.for('mcp-warden.composite');

export function defineComposite<Schema extends z.ZodObject>(definition: CompositeDefinition<Schema>): Composite {
  const composite: Composite & { [COMPOSITE_BRAND]: true } = {
    [COMPOSITE_BRAND]: true,
    name: definition.name,
    description: definition.description ?? '',
    inputSchema: z.toJSONSchema(definition.input) as Record<string, unknown>,
    parseInput(args) {
      const parsed = definition.input.safeParse(args ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new WardenError('REQUEST_INVALID', `${definition.name}: arguments.${issue.path.join('.')}: ${issue.message}`);
      }
      return parsed.data as Record<string, unknown>;
    },
    async run(ctx, input) {
      const result = await definition.run(ctx, input as z.infer<Schema>);
      return typeof result === 'string' ? { content: [{ type: 'text', text: result }] } : result;
    },
  };
  return composite;
}

export function isComposite(value: unknown): value is Composite {
  return typeof value === 'object' && value !== null && COMPOSITE_BRAND in value;
}
