import type { ShownEvent } from '../../audit/index.ts';
import type { Item, Page } from '../../catalog/index.ts';
import type { Authenticated } from '../context.ts';
import type { PipelineDeps } from '../deps.ts';
import type { ListRequest } from '../pipeline.ts';

/** The name a list item is known by: tools and prompts by name, resources by URI, templates by URI template. */
function nameOf(item: Item): string {
  const named = item as { name?: unknown; uri?: unknown; uriTemplate?: unknown };
  const name = named.uriTemplate ?? named.uri ?? named.name;
  return typeof name === 'string' ? name : '';
}

/** The `shown` row of one list answer (src/audit/shown.ts): resolves once it is committed. */
export async function auditShown(subject: Pick<Authenticated, 'principal'>, request: ListRequest, page: Page<Item>, deps: Pick<PipelineDeps, 'audit' | 'clock'>): Promise<void> {
  const event: ShownEvent = {
    time: new Date(deps.clock.now()).toISOString(),
    requestId: String(request.requestId),
    sessionId: request.session.id,
    protocolVersion: request.session.protocolVersion,
    method: request.kind,
    names: page.items.map(nameOf),
  };
  if (subject.principal) event.principal = { sub: subject.principal.sub, iss: subject.principal.iss };
  if (request.cursor !== undefined) event.cursor = request.cursor;
  if (page.nextCursor !== undefined) event.nextCursor = page.nextCursor;
  await deps.audit.recordShown(event);
}
