import { logger } from '../log.ts';
import { main } from './dispatch.ts';

const code = await main(process.argv.slice(2));
// Exit explicitly once everything written is out: a served stdin or a lingering socket must not
// keep a finished command alive. process.exit drops what a pipe has not taken yet (an export
// piped into jq lost every row past the pipe buffer, issue 13 hole 0), so stdout and stderr are
// drained first, whatever the exit code.
await new Promise<void>((resolve) => logger.flush(() => resolve()));
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);

/** Resolves when every chunk written to `stream` so far has been handed to the OS (or the reader went away). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  // Writes complete in order: the callback of an empty write comes after all earlier ones.
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}
