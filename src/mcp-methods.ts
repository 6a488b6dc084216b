/**
 * The families of MCP methods the gateway handles, each declared once, as data; the types derive
 * from these lists, so a method added here is added everywhere (the dispatchers, the pipeline,
 * the policy input, the upstream connections) and nowhere else. A leaf: both sides of the
 * gateway read it (downstream, pipeline, upstreams, gateway).
 */

/** Requests forwarded to exactly one upstream after a decision. */
export const FORWARD_METHODS = ['tools/call', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

/** The forwarded requests an `input_required` result may answer (MCP 2026-07-28, multi round-trip requests). */
export const INPUT_REQUIRED_METHODS = ['tools/call', 'prompts/get', 'resources/read'] as const satisfies readonly ForwardMethod[];

/** The lists (the gateway's own, filtered per caller item by item; and fetched whole from each upstream), and the key of their items. */
export const LIST_METHODS = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
} as const;
export type ListMethod = keyof typeof LIST_METHODS;
/** The key of a list's items in its result (and in an upstream's listing). */
export type ListKey = (typeof LIST_METHODS)[ListMethod];
/** The list method whose items are under `key`. */
export const LIST_METHOD_OF = Object.fromEntries(Object.entries(LIST_METHODS).map(([method, key]) => [key, method])) as { readonly [M in ListMethod as (typeof LIST_METHODS)[M]]: M };

/**
 * The tasks extension's requests about one task (SEP-2663; 2026-07-28 callers): relayed to the
 * upstream that created the task, for the principal that started it only (pipeline/tasks.ts).
 */
export const TASK_METHODS = ['tasks/get', 'tasks/update', 'tasks/cancel'] as const;
export type TaskMethod = (typeof TASK_METHODS)[number];

/** What a client is told when one of the lists it may refresh changed. */
export const LIST_CHANGED_NOTIFICATIONS = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
} as const;

/**
 * Requests an upstream sends to the client, relayed by the gateway to the caller whose call caused
 * them (as the request itself to an old-era caller, inside an `input_required` result to a new-era
 * one), and the client capability each needs.
 */
export const SERVER_REQUESTS = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' } as const;
export type ServerRequestMethod = keyof typeof SERVER_REQUESTS;
export const SERVER_REQUEST_METHODS = Object.keys(SERVER_REQUESTS) as ServerRequestMethod[];

/** The requests that change what an old-era session holds (its subscriptions, whether it hears upstream logs). */
export const SESSION_STATE_METHODS = ['resources/subscribe', 'resources/unsubscribe', 'logging/setLevel'] as const;

/** Old-era methods that 2026-07-28 removed: a stateless caller has no session to open, ping or change. */
export const OLD_ERA_ONLY_METHODS = ['initialize', 'ping', ...SESSION_STATE_METHODS] as const;

const forward = new Set<string>(FORWARD_METHODS);
const taskMethods = new Set<string>(TASK_METHODS);
const inputRequired = new Set<string>(INPUT_REQUIRED_METHODS);
const lists = new Map<string, string>(Object.entries(LIST_METHODS));

/** Client input is data: membership by Set/Map, never by a lookup on a plain object (`__proto__`). */
export function isForwardMethod(method: string): method is ForwardMethod {
  return forward.has(method);
}

export function isTaskMethod(method: string): method is TaskMethod {
  return taskMethods.has(method);
}

export function isListMethod(method: string): method is ListMethod {
  return lists.has(method);
}

export function answersInputRequired(method: string): boolean {
  return inputRequired.has(method);
}
