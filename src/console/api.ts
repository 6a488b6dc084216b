import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ConsoleReader, DecisionFilter } from '../audit/index.ts';
import type { Principal } from '../auth/index.ts';
import type { ErrorCode } from '../errors.ts';
import type { SeenItem } from '../pipeline/index.ts';
import { buildPolicyInput, type PolicyEngine } from '../policy/index.ts';
import type { ChainStatus } from './chain-status.ts';

/**
 * The console's JSON reads, one per page. Each is asked of the policy first (`console/read` with
 * `input.console.page`), with the viewer's verified principal: the console shows only what the
 * policy lets that principal read. Query strings are parsed with zod; a bad one is a 400 naming it.
 */
export const PAGES = ['decisions', 'decision', 'overview', 'catalog'] as const;
export type Page = (typeof PAGES)[number];


export interface ApiDeps {
  reader: ConsoleReader;
  policy: Pick<PolicyEngine, 'evaluate'>;
  seenBy(principal: Principal): Promise<SeenItem[]>;
  upstreams(): Array<{ name: string; state: string; breaker: string }>;
  chain(): ChainStatus;
  policyRevision(): string;
  now?: () => Date;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: ErrorCode, message: string, readonly reasons: string[] = []) {
    super(message);
  }
}

const iso = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const optionalText = z.string().min(1).max(512).optional();

const decisionsQuery = z
  .object({
    since: iso.optional(),
    until: iso.optional(),
    sub: optionalText,
    tool: optionalText,
    server: optionalText,
    decision: z.enum(['allow', 'deny']).optional(),
    method: optionalText,
    workflow: optionalText,
    /** `TIME~SEQ` of the last row shown: the next page starts after it. */
    /** `TIME~SEQ~REPLICA` on PostgreSQL, where seq counts per replica. */
    before: z.string().regex(/^[0-9T:.Z-]+~\d+(~[A-Za-z0-9_.-]{1,63})?$/, 'expected TIME~SEQ or TIME~SEQ~REPLICA').optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const RANGES = new Map([['1h', 3_600_000], ['24h', 86_400_000], ['7d', 7 * 86_400_000], ['30d', 30 * 86_400_000]]);
const overviewQuery = z.object({ range: z.enum(['1h', '24h', '7d', '30d']).default('24h') }).strict();
const decisionQuery = z.object({ seq: z.coerce.number().int().min(1), replica: z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/).optional() }).strict();
const catalogQuery = z
  .object({ sub: optionalText, roles: z.string().max(1024).optional(), recorded: optionalText })
  .strict()
  .refine((q) => (q.recorded === undefined) !== (q.sub === undefined), { message: 'give either sub (and roles) or recorded' });

function parse<T extends z.ZodType>(schema: T, params: URLSearchParams): z.infer<T> {
  const result = schema.safeParse(Object.fromEntries(params));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ApiError(400, 'REQUEST_INVALID', `${issue.path.join('.') || 'query'}: ${issue.message}`);
}

/** May `principal` read `page`? A denial is a 403 carrying the policy's reasons. */
export async function authorizePage(deps: ApiDeps, principal: Principal, page: Page, req: IncomingMessage): Promise<void> {
  const input = buildPolicyInput(
    principal,
    {
      method: 'console/read',
      console: { page },
      request: { id: randomUUID(), session: 'console', transport: 'http', protocol_version: 'console', ...(req.socket.remoteAddress ? { remote_addr: req.socket.remoteAddress } : {}) },
    },
    (deps.now ?? (() => new Date()))(),
  );
  const decision = await deps.policy.evaluate(input).catch(() => ({ allow: false, reasons: ['policy evaluation failed'] }));
  if (decision.allow !== true) throw new ApiError(403, 'POLICY_DENIED', `The policy does not let ${principal.sub} read the ${page} page`, decision.reasons);
}

export async function pagesAllowed(deps: ApiDeps, principal: Principal, req: IncomingMessage): Promise<Page[]> {
  const allowed = await Promise.all(PAGES.map((page) => authorizePage(deps, principal, page, req).then(() => true, () => false)));
  return PAGES.filter((_, i) => allowed[i]);
}

export async function readPage(deps: ApiDeps, page: Exclude<Page, 'catalog'>, params: URLSearchParams): Promise<unknown> {
  switch (page) {
    case 'decisions': {
      const q = parse(decisionsQuery, params);
      const filter: DecisionFilter = {};
      if (q.since) filter.since = q.since;
      if (q.until) filter.until = q.until;
      if (q.sub) filter.sub = q.sub;
      if (q.tool) filter.tool = q.tool;
      if (q.server) filter.server = q.server;
      if (q.decision) filter.decision = q.decision;
      if (q.method) filter.method = q.method;
      if (q.workflow) filter.workflow = q.workflow;
      if (q.before) {
        const [time, seq, replica] = q.before.split('~') as [string, string, string | undefined];
        filter.before = { time, seq: Number(seq), ...(replica === undefined ? {} : { replica }) };
      }
      if (q.after !== undefined) filter.afterSeq = q.after;
      const rows = await deps.reader.decisions(filter, q.limit);
      const last = rows.at(-1);
      return { rows, next: rows.length === q.limit && last ? `${last.time}~${last.seq}${last.replica === undefined ? '' : `~${last.replica}`}` : null };
    }
    case 'decision': {
      const { seq, replica } = parse(decisionQuery, params);
      const found = await deps.reader.decision(seq, replica);
      if (found === undefined) throw new ApiError(404, 'REQUEST_INVALID', `no decision at seq ${seq}`);
      return found;
    }
    case 'overview': {
      const { range } = parse(overviewQuery, params);
      const until = (deps.now ?? (() => new Date()))();
      const since = new Date(until.getTime() - RANGES.get(range)!);
      return { ...(await deps.reader.overview({ since, until }, 48)), upstreams: deps.upstreams(), chain: deps.chain(), policyRevision: deps.policyRevision() };
    }
  }
}

/** The catalog as the chosen principal would see it: given sub + roles, or a recorded principal. */
export async function readCatalog(deps: ApiDeps, params: URLSearchParams, viewer: Principal): Promise<unknown> {
  const q = parse(catalogQuery, params);
  const principal: Principal = q.recorded !== undefined ? await recorded(deps, q.recorded, viewer) : {
    sub: q.sub!,
    iss: viewer.iss,
    aud: [...viewer.aud],
    scopes: [],
    roles: (q.roles ?? '').split(',').map((role) => role.trim()).filter((role) => role.length > 0),
    claims: {},
    expiresAt: viewer.expiresAt,
    tokenId: 'console',
  };
  return { principal: { sub: principal.sub, iss: principal.iss, roles: principal.roles, scopes: principal.scopes }, items: await deps.seenBy(principal), principals: await deps.reader.principals(200) };
}

async function recorded(deps: ApiDeps, sub: string, viewer: Principal): Promise<Principal> {
  const stored = await deps.reader.recordedPrincipal(sub);
  if (stored === undefined) throw new ApiError(404, 'REQUEST_INVALID', `no recorded decision input for principal ${sub}`);
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return {
    sub,
    iss: typeof stored.iss === 'string' ? stored.iss : viewer.iss,
    aud: list(stored.aud),
    scopes: list(stored.scopes),
    roles: list(stored.roles),
    claims: stored.claims !== null && typeof stored.claims === 'object' ? (stored.claims as Record<string, unknown>) : {},
    expiresAt: viewer.expiresAt,
    tokenId: 'console',
  };
}
