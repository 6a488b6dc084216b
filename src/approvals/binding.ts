import { canonicalJson, sha256Hex, type ApprovalBinding } from '../audit/index.ts';

/** The tool digest of an item that is not pinned (a composite tool, or `integrity.mode` off). */
export const NOT_PINNED = 'none';

/**
 * What an approval is for (issue 15): the arguments exactly as they are forwarded (the digest the
 * decision row keeps as `arguments_sha256`), the definition of the tool as pinned, and the policy
 * revision that asked for it. An approval of one binding is never used for another.
 */
export function bindingOf(args: unknown, toolDigest: string | undefined, policyRevision: string): ApprovalBinding {
  return { argumentsSha256: sha256Hex(canonicalJson(args ?? null)), toolDigest: toolDigest ?? NOT_PINNED, policyRevision };
}

/** The part of `now` that is no longer what was approved, or undefined when the binding holds. */
export function bindingChange(approved: ApprovalBinding, now: ApprovalBinding): string | undefined {
  if (approved.argumentsSha256 !== now.argumentsSha256) return 'the arguments changed';
  if (approved.toolDigest !== now.toolDigest) return 'the tool definition changed';
  if (approved.policyRevision !== now.policyRevision) return 'the policy changed';
  return undefined;
}
