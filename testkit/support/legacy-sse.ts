/**
 * A raw session on the gateway's legacy SSE endpoint (the 2024-11-05 transport): GET /sse opens the
 * event stream, whose `endpoint` event names where to POST messages; every answer comes back on
 * the stream. For tests that send what an SDK client would not (raw JSON text).
 */
export interface LegacySseSession {
  /** POSTs `body`; resolves with the POST's status and the stream's answer carrying `id` (null: a refusal of an unreadable id). */
  send(body: string, id: string | number | null, timeoutMs?: number): Promise<{ status: number; reply: Record<string, any> | undefined }>;
  close(): void;
}

export async function openLegacySse(mcpUrl: string, headers: Record<string, string> = {}): Promise<LegacySseSession> {
  const base = mcpUrl.replace(/\/mcp$/, '');
  const controller = new AbortController();
  const stream = await fetch(`${base}/sse`, { headers, signal: controller.signal });
  if (!stream.ok || !stream.body) throw new Error(`GET /sse answered ${stream.status}`);
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  const messages: Array<Record<string, any>> = [];
  let endpoint: string | undefined;
  let buffer = '';
  let wake: () => void = () => undefined;
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (data === undefined) continue;
        if (/^event: endpoint$/m.test(event)) endpoint = data;
        else messages.push(JSON.parse(data) as Record<string, any>);
      }
      wake();
    }
  })();
  const until = async <T>(read: () => T | undefined, timeoutMs: number): Promise<T | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (let value = read(); ; value = read()) {
      if (value !== undefined || Date.now() > deadline) return value;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  const messagesUrl = await until(() => endpoint, 5_000);
  if (messagesUrl === undefined) throw new Error('the SSE stream named no endpoint');
  return {
    async send(body, id, timeoutMs = 5_000) {
      const posted = await fetch(new URL(messagesUrl, base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await posted.text();
      const reply = await until(() => messages.find((message) => message.id === id), timeoutMs);
      return { status: posted.status, reply };
    },
    close: () => controller.abort(),
  };
}
