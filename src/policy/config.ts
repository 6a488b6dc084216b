import { z } from 'zod';

/** `policy` section of warden.config.json. Refined by the policy module; composed in src/config. */
export const policyConfigSchema = z
  .object({
    engine: z.enum(['rego', 'wasm']).default('rego'),
    paths: z.array(z.string().min(1)).default(['policies']).describe('.rego files, directories, data.json/.yaml (rego); policy.wasm or bundle.tar.gz (wasm).'),
    entrypoint: z.string().default('data.mcp.authz').describe('Rule or package whose `allow` and `reasons` decide.'),
    watch: z.boolean().default(true).describe('Reload on file change and SIGHUP; a broken set keeps the last good one.'),
    eval_timeout_ms: z.number().int().positive().default(50).describe('Evaluation budget; exceeded means deny.'),
  })
  .strict();

export type PolicyConfig = z.infer<typeof policyConfigSchema>;
