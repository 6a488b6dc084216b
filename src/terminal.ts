/** The global flag every command accepts (cli/dispatch.ts removes it before a command parses its own). */
export const NO_COLOR_FLAG = '--no-color';

interface Stream {
  isTTY?: boolean;
}

/**
 * Colour only for a person at a terminal: never into a pipe or a file, and never when NO_COLOR is
 * set to anything but the empty string (no-color.org) or `--no-color` is on the command line
 * (read from the process's own argv because the logger is made before the dispatcher runs).
 * Shared by the CLI's output and the logger's pretty form.
 */
export function colourOn(stream: Stream, env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): boolean {
  if (argv.includes(NO_COLOR_FLAG) || (env.NO_COLOR ?? '') !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
