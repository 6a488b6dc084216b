/**
 * A small real MCP server used as an upstream by the gateway tests, runnable over stdio
 * (`node --import tsx fixture-server.ts [name]`) or served in-process over Streamable HTTP / SSE
 * (http-fixture.ts). Built on the SDK's low-level Server so the tests control what matters to a
 * relay: paginated lists, unknown result fields, progress, cancellation, sampling, list_changed.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListRootsResultSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';

const PAGE = 3;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    // A cancellation read in the same chunk as its request aborts the signal before the handler
    // runs: an abort listener alone never fired, and the call ran to its end uncounted (hole 9).
    if (signal.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
  });

export function createFixtureServer(name = 'fixture'): Server {
  const server = new Server(
    { name, version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, prompts: {}, logging: {}, completions: {} } },
  );
  const tools = ['echo', 'slow', 'sample', 'add_tool', 'crash', 'stats', 'whoami', 'log', 'env', 'touch', 'ask', 'roots'].map((tool) => ({
    name: tool,
    description: `${tool} tool of ${name}`,
    inputSchema: { type: 'object' as const, properties: { message: { type: 'string' } } },
    annotations: { readOnlyHint: tool === 'echo' },
  }));
  const subscribed = new Set<string>();
  let cancelled = 0;
  let calls = 0;

  server.setRequestHandler(ListToolsRequestSchema, (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const next = start + PAGE < tools.length ? String(start + PAGE) : undefined;
    return { tools: tools.slice(start, start + PAGE), ...(next === undefined ? {} : { nextCursor: next }) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    if (request.params.name !== 'stats') calls++;
    switch (request.params.name) {
      case 'echo':
        if (args.fail === true) return { content: [{ type: 'text', text: 'failed on purpose' }], isError: true };
        // `bytes`: a result that large (result size caps); the message is repeated to fill it.
        if (typeof args.bytes === 'number') return { content: [{ type: 'text', text: String(args.message).repeat(args.bytes / String(args.message).length) }] };
        // `extraField` is unknown to the SDK's types: a relay must keep it.
        return { content: [{ type: 'text', text: String(args.message), annotations: { priority: 1 } }], extraField: { kept: true } } as CallToolResult;
      case 'log':
        await server.sendLoggingMessage({ level: 'warning', logger: 'fixture', data: String(args.message) });
        return { content: [{ type: 'text', text: 'logged' }] };
      case 'env':
        return { content: [{ type: 'text', text: process.env[String(args.message)] ?? '(unset)' }] };
      case 'touch':
        if (subscribed.has(String(args.message))) await server.sendResourceUpdated({ uri: String(args.message) });
        return { content: [{ type: 'text', text: 'touched' }] };
      case 'whoami':
        return { content: [{ type: 'text', text: name }] };
      case 'slow': {
        const steps = Number(args.steps ?? 3);
        const token = request.params._meta?.progressToken;
        try {
          for (let i = 1; i <= steps; i++) {
            await sleep(Number(args.delayMs ?? 20), extra.signal);
            if (token !== undefined) {
              await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
            }
          }
        } catch {
          cancelled++;
          return { content: [{ type: 'text', text: 'cancelled' }] };
        }
        return { content: [{ type: 'text', text: `done after ${steps}` }] };
      }
      case 'sample': {
        const reply = await extra.sendRequest(
          { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: String(args.message) } }], maxTokens: 10 } },
          CreateMessageResultSchema,
        );
        return { content: [{ type: 'text', text: `sampled: ${(reply.content as { text?: string }).text}` }] };
      }
      case 'ask': {
        const answer = await extra.sendRequest(
          { method: 'elicitation/create', params: { mode: 'form', message: String(args.message), requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } },
          ElicitResultSchema,
        );
        return { content: [{ type: 'text', text: `${answer.action}: ${JSON.stringify(answer.content ?? {})}` }] };
      }
      case 'roots': {
        const { roots } = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
        return { content: [{ type: 'text', text: roots.map((r) => r.uri).join(',') }] };
      }
      case 'add_tool':
        tools.push({ ...tools[0]!, name: String(args.message) });
        await server.sendToolListChanged();
        return { content: [{ type: 'text', text: 'added' }] };
      case 'crash':
        process.exit(3);
      case 'stats':
        return { content: [{ type: 'text', text: JSON.stringify({ cancelled, calls, subscribed: [...subscribed] }) }] };
      default:
        return { content: [{ type: 'text', text: `unknown tool ${request.params.name}` }], isError: true };
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: [
      { uri: `test://${name}/info`, name: 'info', mimeType: 'text/plain' },
      { uri: 'test://shared', name: `shared from ${name}` },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => ({
    contents: [{ uri: request.params.uri, mimeType: 'text/plain', text: `${name}:${request.params.uri}` }],
  }));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [{ name: 'greet', description: 'Say hello', arguments: [{ name: 'who', required: true }] }] }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hello ${request.params.arguments?.who} from ${name}` } }],
  }));
  server.setRequestHandler(SubscribeRequestSchema, (request) => (subscribed.add(request.params.uri), {}));
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => (subscribed.delete(request.params.uri), {}));
  server.setRequestHandler(CompleteRequestSchema, (request) => {
    const ref = request.params.ref;
    const on = ref.type === 'ref/prompt' ? ref.name : ref.uri;
    return { completion: { values: [`${name}:${on}:${request.params.argument.value}`] } };
  });
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stderr.write(`fixture ${process.argv[2]} ready\n`);
  await createFixtureServer(process.argv[2]).connect(new StdioServerTransport());
}
