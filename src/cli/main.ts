import { logger } from '../log.ts';
import { failWith, EXIT } from './exit-codes.ts';
import { VERSION } from './version.ts';

/**
 * `warden <command> ...`: dispatches to src/cli/<command>.ts, each exporting
 * `run(args): Promise<number>` (the exit code). Only the table below is reachable.
 */
const COMMANDS: Record<string, string> = {
  serve: 'Start the gateway: warden serve --config PATH (--stdio | --http [--host H] [--port P])',
  tools: 'List the aggregated tools with their upstream and original names: warden tools [--config PATH] [--json]',
  token: 'Mint a signed JWT for local use: warden token create ...',
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
  return `mcp-warden ${VERSION}: a policy-enforcing security gateway for MCP\n\nusage: warden <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n  warden --help | --version\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help());
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.OK;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    process.stderr.write(`warden: USAGE: unknown command "${command}"\n\n${help()}`);
    return EXIT.USAGE;
  }
  try {
    const module = (await import(`./${command}.ts`)) as { run(args: string[]): Promise<number> };
    return await module.run(rest);
  } catch (error) {
    return failWith(error);
  }
}

const code = await main(process.argv.slice(2));
// Exit explicitly once the log is flushed: a served stdin or a lingering socket must not keep a
// finished command alive.
logger.flush(() => process.exit(code));
