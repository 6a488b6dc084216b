/**
 * A fetch response's body, read to its end unless it grows past `maxBytes` (then an Error naming
 * the limit, and the rest is not read). `arrayBuffer()` holds whatever a server sends: a policy
 * bundle served chunked, with no content-length to check first, could fill the gateway's memory.
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`the response exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
