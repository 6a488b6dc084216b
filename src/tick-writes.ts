import type { Writable } from 'node:stream';

/**
 * Messages written to `stream` during one turn of the event loop leave in one system call: the
 * stream is corked at the first write of the turn and uncorked on the next tick, and a corked
 * stream hands its chunks to `writev` together. A pipe write costs a system call and wakes the
 * reader each time; with 32 calls in flight the answers that finish together now cost one.
 * Order and backpressure are the stream's own (`write` still returns whether to wait for drain).
 */
export function writesPerTick<T extends Writable>(stream: T): T {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    stream.uncork();
  };
  stream.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as T['write'];
  return stream;
}
