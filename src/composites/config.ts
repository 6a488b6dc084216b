import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { WardenError } from '../errors.ts';

/**
 * The server name of the gateway's own composite tools, as policies see it (`input.tool.server`)
 * and audit rows record it. No upstream may take this name.
 */
export const COMPOSITE_SERVER = 'warden';

/**
 * `composites` section of warden.config.json: declarative workflow tools, and `composite_modules`,
 * TypeScript/JavaScript modules exporting composites made with `defineComposite`.
 */
const idPattern = /^[a-zA-Z0-9_-]{1,64}$/;

const compositeStepSchema = z
  .object({
    id: z.string().regex(idPattern, 'expected a step id matching ^[a-zA-Z0-9_-]{1,64}$'),
    tool: z.string().min(1).describe('Public (namespaced) name of the tool to call, e.g. db__get_sales.'),
    arguments: z.record(z.string(), z.unknown()).default({}).describe('Template over input and earlier steps.'),
    if: z.string().optional().describe('Template; the step is skipped when it renders false, null, 0 or "".'),
    timeout_ms: z.number().int().positive().max(3_600_000).optional(),
  })
  .strict();

const declarativeCompositeSchema = z
  .object({
    name: z.string().regex(idPattern, 'expected a tool name matching ^[a-zA-Z0-9_-]{1,64}$'),
    description: z.string().default(''),
    input_schema: z
      .record(z.string(), z.unknown())
      .default({ type: 'object' })
      .describe('JSON Schema of the arguments; validated before the first step runs.'),
    steps: z.array(compositeStepSchema).min(1),
    result: z.unknown().optional().describe('Template of the final result; default: the last step\'s result.'),
  })
  .strict()
  .superRefine((composite, ctx) => {
    const seen = new Set<string>();
    composite.steps.forEach((step, index) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id ${step.id}` });
      seen.add(step.id);
    });
  });

export const compositesConfigSchema = z.array(declarativeCompositeSchema).default([]);
export const compositeModulesSchema = z.array(z.string().min(1)).default([]).describe('Modules exporting defineComposite(...) values, relative to the config file.');

export type DeclarativeCompositeConfig = z.infer<typeof declarativeCompositeSchema>;

/** A composite module as a config names it, with the digest of its content when the config was read. */
export interface CompositeModule {
  readonly path: string;
  readonly sha256: string;
}

/** Reads the module at `path` (relative to `baseDir`) to know its content; CONFIG_INVALID if it cannot be read. */
export function compositeModuleAt(path: string, baseDir: string): CompositeModule {
  const absolute = resolve(baseDir, path);
  try {
    return { path: absolute, sha256: createHash('sha256').update(readFileSync(absolute)).digest('hex') };
  } catch (error) {
    throw new WardenError('CONFIG_INVALID', `composite_modules: cannot read ${absolute}: ${(error as Error).message}`, { cause: error, details: { file: absolute } });
  }
}

