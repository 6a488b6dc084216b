import { WardenError } from '../errors.ts';
import type { Target } from './context.ts';

/** The caller's answer for a name it may not know: the same whether absent or hidden. */
export function notFound(target: Target | { kind: Target['kind']; name: string }): WardenError {
  if (target.kind === 'resource') {
    const uri = 'uri' in target ? target.uri : target.name;
    return new WardenError('RESOURCE_NOT_FOUND', `Resource not found: ${uri}`, { details: { uri } });
  }
  const name = 'entry' in target ? target.entry.publicName : target.name;
  return target.kind === 'tool'
    ? new WardenError('TOOL_NOT_FOUND', `Unknown tool: ${name}`, { details: { name } })
    : new WardenError('PROMPT_NOT_FOUND', `Unknown prompt: ${name}`, { details: { name } });
}
