import { failWith, EXIT } from './exit-codes.ts';
import { VERSION } from '../package-root.ts';

/**
 * `warden <command> ...`: dispatches to src/cli/<command>.ts, each exporting
 * `run(args): Promise<number>` (the exit code). Only the table below is reachable.
 */
const COMMANDS: Record<string, string> = {
  serve: 'Start the gateway: warden serve --config PATH (--stdio | --http [--host H] [--port P])',
  tools: 'List the aggregated tools with their upstream and original names: warden tools [--config PATH] [--json]; review pinned definitions: warden tools diff|approve|revoke',
  audit: 'Query, tail, summarise, verify or prune the audit trail: warden audit <query|tail|stats|verify|prune> ...',
  policy: 'Test, evaluate or check Rego policies: warden policy <test|eval|check> ...',
  token: 'Mint a signed JWT for local use: warden token create ...',
  example: 'Run the bundled example deployment (what npm start runs): warden example [--port 8787]',
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
  return `mcp-warden ${VERSION}: a policy-enforcing security gateway for MCP\n\nusage: warden <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n  warden --help | --version\n`;
}

/** Where the dispatcher itself prints (help, version, usage errors); commands print on their own. */
export interface MainIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: MainIo = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };

export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(help());
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${VERSION}\n`);
    return EXIT.OK;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    io.err(`warden: USAGE: unknown command "${command}"\n\n${help()}`);
    return EXIT.USAGE;
  }
  try {
    const module = (await import(`./${command}.ts`)) as { run(args: string[]): Promise<number> };
    return await module.run(rest);
  } catch (error) {
    return failWith(error, io.err);
  }
}
