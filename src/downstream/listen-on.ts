import type { Server } from 'node:http';
import { WardenError } from '../errors.ts';

/**
 * Listens on `host:port`, or rejects with SERVER_LISTEN_FAILED naming the address and what to
 * change (`setting`): one line a person can act on, not a stack. The usual cause is a gateway
 * already running; the admin port's failure was reported as INTERNAL with a stack trace.
 */
export function listenOn(server: Server, host: string, port: number, setting: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `the port is in use by another process (a gateway or npm start already running?); choose another with ${setting}` : error.code === 'EACCES' ? 'not allowed (ports below 1024 need privileges)' : error.message;
      reject(new WardenError('SERVER_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${why}`, { cause: error }));
    });
    server.listen(port, host, resolve);
  });
}
