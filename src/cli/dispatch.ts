import { NO_COLOR_FLAG } from '../terminal.ts';
import { failWith, EXIT } from './exit-codes.ts';
import { VERSION } from '../package-root.ts';

/**
 * `warden <command> ...`: dispatches to src/cli/<command>.ts, each exporting
 * `run(args): Promise<number>` (the exit code). Only the table below is reachable.
 */
const COMMANDS: Record<string, string> = {
  serve: 'Start the gateway: warden serve --config PATH (--stdio | --http [--host H] [--port P])',
  tools: 'List the aggregated tools with their upstream and original names: warden tools [--config PATH] [--json]; review pinned definitions: warden tools diff|approve|revoke',
  approvals: 'Decide calls waiting for an operator\'s approval: warden approvals list|approve ID|deny ID [--config PATH]',
  audit: 'Read and keep the audit trail: warden audit <query|tail|stats|export|verify|prune|close-incomplete|migrate> ...',
  policy: 'Test, evaluate, check, explain or replay Rego policies: warden policy <test|eval|check|explain|replay> ...',
  token: 'Mint a signed JWT for local use: warden token create ...',
  example: 'Run the bundled example deployment (what npm start runs): warden example [--port 8787]',
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(width)}  ${text}`);
  return `mcp-warden ${VERSION}: a policy-enforcing security gateway for MCP

usage: warden <command> [options]

commands:
${lines.join('\n')}

  warden <command> --help     a command's usage (also: warden help <command>)
  warden --help | --version
  --no-color                  no colour on a terminal (so does NO_COLOR=1)
`;
}

/** Where the dispatcher itself prints (help, version, usage errors); commands print on their own. */
export interface MainIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: MainIo = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };

export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  // --no-color is read where colours are chosen (colour.ts reads the process's own argv, as the
  // logger is made before this runs); no command parses it as its own flag.
  const [first, ...others] = argv.filter((arg) => arg !== NO_COLOR_FLAG);
  // `warden help audit` is `warden audit --help`.
  const [command, ...rest] = first === 'help' && others.length > 0 ? [others[0]!, ...others.slice(1), '--help'] : [first, ...others];
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
