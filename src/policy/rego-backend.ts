import { WardenError } from '../errors.ts';
import { compile, RegoError } from '@mcp-warden/rego';
import type { PolicyBackend } from './backend.ts';
import type { PolicyConfig } from './config.ts';
import type { RawResult } from './decision.ts';
import { revisionOf } from './files.ts';
import { loadPolicySet, type PolicySetSources } from './policy-set-files.ts';

/**
 * The `rego` backend: our engine (@mcp-warden/rego) over the `.rego` modules and data documents under
 * `policy.paths`. The whole set is compiled here, once; per request only prepared queries run.
 * `*_test.rego` files are left out: tests belong to `warden policy test`, not to decisions.
 *
 * Fast path: `<entrypoint>.allow` is asked first, and only when it is not exactly true is the
 * whole entrypoint document (reasons, or why the decision is undefined or malformed) evaluated.
 * On the default policies the whole package costs 1.7x its `allow` (13.7 vs 8.0 us p50 for a list
 * item, measured 2026-11-23), and most decisions, list items above all, are allowed. So an allowed decision carries no
 * reasons, and an error in a rule that `allow` does not depend on does not deny, exactly as
 * when OPA is asked for `data.mcp.authz.allow`. Both queries run in one evaluation (one input
 * conversion, one rule cache), so a denial computes `allow` and what it depends on only once:
 * the denied db/query case went from 29.3 to 17.8 us p50. An allowed decision also asks
 * `<entrypoint>.approval` in the same evaluation, so an approval the policy requires is never
 * lost to the fast path.
 */
export async function loadRegoBackend(config: PolicyConfig, baseDir: string): Promise<PolicyBackend> {
  return compileRegoBackend(config, await loadPolicySet(config.paths, baseDir, { tests: false, dataFiles: 'all' }), config.paths.join(', '));
}

/** Compiles a policy set read from anywhere (files, an HTTP bundle); `where` names it in messages. */
export function compileRegoBackend(config: PolicyConfig, { modules, data, files }: PolicySetSources, where: string): PolicyBackend {
  if (Object.keys(modules).length === 0) {
    throw new WardenError('POLICY_LOAD_FAILED', `no .rego modules under ${where}`);
  }

  let set;
  let allowQuery;
  let approvalQuery;
  let decisionQuery;
  try {
    set = compile(modules, { data, v0Compatible: config.v0_compatible });
    decisionQuery = set.prepare(`decision = ${config.entrypoint}`);
    allowQuery = fastMemberQuery(set, config.entrypoint, 'allow');
    approvalQuery = allowQuery === undefined ? undefined : fastMemberQuery(set, config.entrypoint, 'approval');
  } catch (error) {
    // RegoError messages already read `file:row:col: code: message`, as OPA prints them.
    if (!(error instanceof RegoError)) throw error;
    throw new WardenError('POLICY_LOAD_FAILED', error.message, { cause: error, details: { locations: error.locations } });
  }

  return {
    name: 'rego',
    revision: revisionOf(files),
    files: files.map((file) => file.name),
    evaluate(input): RawResult {
      // One evaluation for both queries: the document reuses the rule values `allow` computed.
      const evaluation = set.evaluation({ input });
      if (allowQuery !== undefined && evaluation.evaluate(allowQuery)[0]?.allow === true) {
        // An allowed call may still need an approval (issue 15): asked in the same evaluation.
        const approval = approvalQuery === undefined ? undefined : evaluation.evaluate(approvalQuery)[0]?.approval;
        return { defined: true, value: approval === undefined ? { allow: true } : { allow: true, approval } };
      }
      const [row] = evaluation.evaluate(decisionQuery);
      return row === undefined || row.decision === undefined ? { defined: false } : { defined: true, value: row.decision };
    },
  };
}

/**
 * The fast path's queries, `<entrypoint>.allow` and `<entrypoint>.approval`, or none when the
 * entrypoint is not a document with that member (it names a rule, e.g. the boolean `allow`
 * itself): the type checker refuses that ref, as OPA's does, and the whole entrypoint is then
 * evaluated on every call.
 */
function fastMemberQuery(set: ReturnType<typeof compile>, entrypoint: string, member: 'allow' | 'approval'): ReturnType<ReturnType<typeof compile>['prepare']> | undefined {
  try {
    return set.prepare(`${member} = ${entrypoint}.${member}`);
  } catch (error) {
    if (error instanceof RegoError && error.code === 'rego_type_error') return undefined;
    throw error;
  }
}
