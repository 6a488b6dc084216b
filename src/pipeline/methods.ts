/**
 * The families of MCP methods the gateway handles, each declared once, as data; the types derive
 * from these lists, so a method added here is added everywhere (the dispatchers, the pipeline,
 * the policy input) and nowhere else.
 */

/** Requests forwarded to exactly one upstream after a decision. */
export const FORWARD_METHODS = ['tools/call', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

/** The forwarded requests an `input_required` result may answer (MCP 2026-07-28, multi round-trip requests). */
export const INPUT_REQUIRED_METHODS = ['tools/call', 'prompts/get', 'resources/read'] as const satisfies readonly ForwardMethod[];

/**
 * The server->client requests an `input_required` result may carry, each with the client
 * capability a caller must declare to be asked it.
 */
export const EMBEDDED_REQUESTS = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' } as const;
export type EmbeddedRequest = keyof typeof EMBEDDED_REQUESTS;

/** The gateway's own lists, filtered per caller item by item, and the key of their items. */
export const LIST_METHODS = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
} as const;
export type ListMethod = keyof typeof LIST_METHODS;

/**
 * The tasks extension's requests about one task (SEP-2663; 2026-07-28 callers): relayed to the
 * upstream that created the task, for the principal that started it only (tasks.ts).
 */
export const TASK_METHODS = ['tasks/get', 'tasks/update', 'tasks/cancel'] as const;
export type TaskMethod = (typeof TASK_METHODS)[number];

const forward = new Set<string>(FORWARD_METHODS);
const inputRequired = new Set<string>(INPUT_REQUIRED_METHODS);
const taskMethods = new Set<string>(TASK_METHODS);
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
