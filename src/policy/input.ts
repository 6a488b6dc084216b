import type { Principal } from '../auth/index.ts';
import type { PolicyInput } from './contract.ts';

/**
 * The parsed request as the pipeline knows it after `resolve`. `arguments` must be the very
 * object that will be forwarded: the input keeps the reference (no copy), so what the policy
 * judged and what the upstream receives are serialised from the same value.
 */
export interface PolicyRequest {
  method: string;
  tool?: PolicyInput['tool'];
  arguments?: Record<string, unknown>;
  resource?: PolicyInput['resource'];
  prompt?: PolicyInput['prompt'];
  workflow?: PolicyInput['workflow'];
  upstream?: PolicyInput['upstream'];
  call?: PolicyInput['call'];
  params?: PolicyInput['params'];
  task?: PolicyInput['task'];
  approval?: PolicyInput['approval'];
  console?: PolicyInput['console'];
  request: PolicyInput['request'];
}

/**
 * Builds the input document (docs/architecture.md, "the policy input document"). The caller comes
 * only from the verified Principal: nothing else the client sent can reach `input.principal`.
 * Keys are written in a fixed order (method, principal, subject, arguments, request, now) so that
 * the serialised input is stable for hashing and for the wasm backend.
 */
export function buildPolicyInput(principal: Principal | undefined, parsed: PolicyRequest, now: Date): PolicyInput {
  return {
    method: parsed.method,
    ...(principal && {
      principal: {
        sub: principal.sub,
        iss: principal.iss,
        aud: [...principal.aud],
        scopes: [...principal.scopes],
        roles: [...principal.roles],
        claims: { ...principal.claims },
      },
    }),
    ...(parsed.tool && { tool: { ...parsed.tool } }),
    ...(parsed.resource && { resource: { ...parsed.resource } }),
    ...(parsed.prompt && { prompt: { ...parsed.prompt } }),
    ...(parsed.workflow && { workflow: { ...parsed.workflow } }),
    ...(parsed.arguments && { arguments: parsed.arguments }),
    ...(parsed.upstream && { upstream: { ...parsed.upstream } }),
    ...(parsed.call && { call: parsed.call }),
    // Like arguments: the very object relayed to the client, not a copy.
    ...(parsed.params && { params: parsed.params }),
    ...(parsed.task && { task: { ...parsed.task } }),
    ...(parsed.approval && { approval: { ...parsed.approval } }),
    ...(parsed.console && { console: { ...parsed.console } }),
    request: { ...parsed.request },
    now: now.toISOString(),
  };
}
