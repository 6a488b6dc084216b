import { z } from 'zod';
import { timerMs } from '../timer-ms.ts';

/** A Rego reference into `data` made of plain identifiers, e.g. `data.mcp.authz`. */
const ENTRYPOINT = /^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** `policy` section of warden.config.json. Refined by the policy module; composed in src/config. */
export const policyConfigSchema = z
  .object({
    engine: z.enum(['rego', 'wasm']).default('rego').describe('rego: our engine over .rego files; wasm: opa-wasm over `opa build -t wasm` output.'),
    paths: z
      .array(z.string().min(1))
      .min(1)
      .default(['policies'])
      .describe('.rego files, directories, data.json/.yaml (rego); policy.wasm or bundle.tar.gz (wasm). Relative to the config file.'),
    entrypoint: z
      .string()
      .regex(ENTRYPOINT, 'must be a data reference such as data.mcp.authz')
      .default('data.mcp.authz')
      .describe('Rule or package whose `allow` and `reasons` decide.'),
    watch: z.boolean().default(true).describe('Reload on file change and SIGHUP; a broken set keeps the last good one.'),
    watch_debounce_ms: z.number().int().min(0).max(60_000).default(150).describe('Quiet time after the last file change before reloading.'),
    v0_compatible: z
      .boolean()
      .default(false)
      .describe('rego engine: read every module as Rego v0 (OPA\'s --v0-compatible): bodies without `if`, `p[x] { ... }` partial sets; a module that imports rego.v1 stays v1.'),
    eval_timeout_ms: timerMs().positive().default(250).describe('Wall-clock budget per decision; a later answer is a denial. The Rego engine also stops a runaway policy by its step budget.'),
    bundle: z
      .object({
        url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('An OPA bundle (tar.gz of .rego files and data.json/data.yaml documents), e.g. what `opa build` writes, served over HTTP(S).'),
        poll_interval_ms: timerMs().min(100).default(30_000).describe('How often the bundle is asked for again (with If-None-Match: an unchanged bundle costs a 304).'),
        timeout_ms: timerMs().min(100).default(10_000).describe('One fetch, answer and body included.'),
        headers: z.record(z.string(), z.string()).default({}).describe('Sent with every fetch, e.g. "Authorization": "Bearer ${BUNDLE_TOKEN}".'),
      })
      .strict()
      .optional()
      .describe('The policy set from an HTTP(S) bundle instead of `paths` (rego engine): polled; a bundle that does not load keeps the last good set.'),
    shadow: z
      .object({
        paths: z.array(z.string().min(1)).min(1).describe('The candidate set (same engine as the live one). Relative to the config file.'),
        entrypoint: z.string().regex(ENTRYPOINT, 'must be a data reference such as data.mcp.authz').optional().describe('Default: the live entrypoint.'),
      })
      .strict()
      .optional()
      .describe('A candidate policy set decided beside the live one on every decision, never changing an answer; each disagreement is an audit row (shadow_disagreement) and counted.'),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.bundle && policy.engine !== 'rego') ctx.addIssue({ code: 'custom', path: ['bundle'], message: 'is served to the rego engine (a wasm bundle is a file in "paths")' });
  });

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** `data.mcp.authz` -> ['mcp', 'authz']: the path both backends resolve. */
export function entrypointPath(entrypoint: string): string[] {
  return entrypoint.split('.').slice(1);
}
