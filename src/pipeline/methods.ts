/**
 * The families of MCP methods the gateway handles, each declared once, as data; the types derive
 * from these lists, so a method added here is added everywhere (the dispatchers, the pipeline,
 * the policy input) and nowhere else.
 */

/** Requests forwarded to exactly one upstream after a decision. */
export const FORWARD_METHODS = ['tools/call', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

/** The gateway's own lists, filtered per caller item by item, and the key of their items. */
export const LIST_METHODS = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
} as const;
export type ListMethod = keyof typeof LIST_METHODS;

const forward = new Set<string>(FORWARD_METHODS);
const lists = new Map<string, string>(Object.entries(LIST_METHODS));

/** Client input is data: membership by Set/Map, never by a lookup on a plain object (`__proto__`). */
export function isForwardMethod(method: string): method is ForwardMethod {
  return forward.has(method);
}

export function isListMethod(method: string): method is ListMethod {
  return lists.has(method);
}
