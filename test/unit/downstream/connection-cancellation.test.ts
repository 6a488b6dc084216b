import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionCancellation } from '../../../src/downstream/connection-cancellation.ts';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** The server side of a real loopback connection, and a way to close it from the client. */
async function connection(): Promise<{ socket: Socket; closeFromClient: () => Promise<void> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = createConnection((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = await accepted;
  return {
    socket,
    closeFromClient: async () => {
      client.destroy();
      await once(socket, 'close');
    },
  };
}

describe('connectionCancellation', () => {
  it('is one per connection, aborted when it closes with a request unanswered', async () => {
    const { socket, closeFromClient } = await connection();
    const first = connectionCancellation(socket).begin();
    connectionCancellation(socket).answered();
    const second = connectionCancellation(socket).begin();
    expect(second).toBe(first);
    expect(second.aborted).toBe(false);
    await closeFromClient();
    expect(second.aborted).toBe(true);
  });

  it('is not aborted when the connection closes after every request was answered', async () => {
    const { socket, closeFromClient } = await connection();
    const cancellation = connectionCancellation(socket);
    const signal = cancellation.begin();
    cancellation.answered();
    await closeFromClient();
    expect(signal.aborted).toBe(false);
  });

  it('is aborted from the start when the connection is already gone', () => {
    expect(connectionCancellation(null).begin().aborted).toBe(true);
  });
});
