import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { NamedEntry } from '../../catalog/index.ts';
import { WardenError } from '../../errors.ts';
import type { Authenticated, Resolved, Target } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';
import { notFound } from '../not-found.ts';
import { copyWith } from '../../own.ts';

/**
 * Stage 2: public name or URI -> upstream and original name, by catalog lookup only (never by
 * splitting on the separator). Params are checked for the fields we route by; everything else
 * passes through untouched.
 */
const named = z.looseObject({
  name: z.string({ error: 'params.name: expected a string' }),
  // The policy judges `arguments` only as an object; anything else would be forwarded unjudged.
  arguments: z.record(z.string(), z.unknown(), { error: 'params.arguments: expected an object' }).optional(),
});
const byUri = z.looseObject({ uri: z.string({ error: 'params.uri: expected a string' }) });
const completion = z.looseObject({
  ref: z.discriminatedUnion('type', [z.looseObject({ type: z.literal('ref/prompt'), name: z.string() }), z.looseObject({ type: z.literal('ref/resource'), uri: z.string() })], {
    error: 'params.ref: expected { type: "ref/prompt", name } or { type: "ref/resource", uri }',
  }),
});

function parse<T>(schema: z.ZodType<T>, params: unknown): T {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  throw new WardenError('REQUEST_INVALID', result.error.issues[0]?.message ?? 'invalid params', { details: { field: result.error.issues[0]?.path.join('.') } });
}

/**
 * The target, and the MCP revision its upstream is spoken to in (issue 11: audit rows record the
 * era on both sides); a composite or a disconnected upstream has none.
 */
export function resolve(ctx: Authenticated, deps: Pick<PipelineDeps, 'catalog' | 'integrity'> & { upstreams?: PipelineDeps['upstreams'] }): Resolved {
  const resolved = resolveTarget(ctx, deps);
  const version = deps.upstreams?.get(resolved.upstream)?.protocolVersion;
  return version === undefined ? resolved : copyWith(resolved, { upstreamProtocolVersion: version });
}

function resolveTarget(ctx: Authenticated, deps: Pick<PipelineDeps, 'catalog' | 'integrity'>): Resolved {
  const snapshot = deps.catalog.snapshot;
  const byName = (kind: 'tool' | 'prompt', map: ReadonlyMap<string, NamedEntry>, name: string): Target & { entry: NamedEntry } => {
    const entry = map.get(name);
    // A quarantined definition is not there for the caller: the same answer as an unknown name.
    const pin = entry && deps.integrity?.status(kind, entry.upstream, entry.originalName);
    if (!entry || pin?.available === false) throw notFound({ kind, name });
    return pin === undefined ? { kind, entry } : { kind, entry, pin };
  };
  const resource = (uri: string): Target & { kind: 'resource' } => {
    const found = deps.catalog.findResource(uri);
    if (!found) throw notFound({ kind: 'resource', name: uri });
    return { kind: 'resource', uri, upstream: found.upstream };
  };

  switch (ctx.method) {
    case 'tools/call':
    case 'prompts/get': {
      const { name } = parse(named, ctx.params);
      const target = ctx.method === 'tools/call' ? byName('tool', snapshot.tools, name) : byName('prompt', snapshot.prompts, name);
      return copyWith(ctx, { target, upstream: target.entry.upstream, upstreamParams: { ...upstreamParams(ctx.params), name: target.entry.originalName } });
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const target = resource(parse(byUri, ctx.params).uri);
      return copyWith(ctx, { target, upstream: target.upstream, upstreamParams: upstreamParams(ctx.params) });
    }
    case 'completion/complete': {
      const { ref } = parse(completion, ctx.params);
      if (ref.type === 'ref/prompt') {
        const target = byName('prompt', snapshot.prompts, ref.name as string);
        return copyWith(ctx, { target, upstream: target.entry.upstream, upstreamParams: { ...upstreamParams(ctx.params), ref: { ...ref, name: target.entry.originalName } } });
      }
      const template = snapshot.templateList.find((t) => t.uriTemplate === ref.uri);
      const target = template ? { kind: 'resource' as const, uri: ref.uri as string, upstream: template.upstream } : resource(ref.uri as string);
      return copyWith(ctx, { target, upstream: target.upstream, upstreamParams: upstreamParams(ctx.params) });
    }
  }
}

/**
 * The caller's params minus what belongs to the caller's hop: its progressToken (the SDK client
 * puts its own in, mapped back in forward) and the new era's per-request envelope (its version,
 * client info and capabilities describe the caller; toward the upstream the gateway is the client,
 * and the SDK v2 Client sends the gateway's own envelope when the upstream speaks the new era).
 */
export function upstreamParams(params: Record<string, unknown>): Record<string, unknown> {
  const meta = params._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !Object.keys(meta).some(isHopKey)) return { ...params };
  return { ...params, _meta: Object.fromEntries(Object.entries(meta).filter(([key]) => !isHopKey(key))) };
}

const HOP_KEYS = new Set(['progressToken', PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY]);
const isHopKey = (key: string): boolean => HOP_KEYS.has(key);
