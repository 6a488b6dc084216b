/**
 * `warden policy <test|eval|check|explain|replay>`: the Rego engine from the command line, with
 * `opa`'s flags where a command mirrors `opa`. Each subcommand lives in its own file, returns data
 * that a renderer prints, and returns its exit code (USAGE in the table below).
 */
import { RegoError } from '@mcp-warden/rego';
import { isWardenError } from '../errors.ts';
import { wantsHelp } from './args.ts';
import { failWith } from './exit-codes.ts';
import { renderRegoError } from './rego-error-text.ts';

const POLICY_USAGE = `usage: warden policy <command> [options]   (-h after a command for its flags)

  test    [PATH...] [-r REGEX] [-v] [--format pretty|json] [--coverage [--threshold PCT]]
          [--var-values] [--bench] [--timeout 5s] [-z]          like opa test
  eval    QUERY -d PATH... [-i INPUT.json] [--format json|pretty|raw]   like opa eval
  check   PATH... [--strict]                                     like opa check
  explain -d PATH... (-i INPUT.json | --decision ID --audit DB) [--entrypoint data.mcp.authz]
  replay  --audit DB --policy PATH... [--since 7d] [--allow-flips] [--json]

exit codes: test 0 passed, 2 a test failed, errored or was skipped (-z: skipped is fine), or
            coverage below --threshold, 1 the policies could not be loaded;
            eval 0 evaluated (even if undefined), 1 load or evaluation error;
            check 0 clean, 1 any error; explain 0 explained, 1 load or evaluation error;
            replay 0 no decision flips, 1 some flip, 3 audit database or policies not loadable;
            2 a bad command line for all of them
`;

type Subcommand = (args: string[]) => Promise<number>;

const SUBCOMMANDS: Record<string, () => Promise<Subcommand>> = {
  test: async () => (await import('./policy-test.ts')).testCommand,
  eval: async () => (await import('./policy-eval.ts')).evalCommand,
  check: async () => (await import('./policy-check.ts')).checkCommand,
  explain: async () => (await import('./policy-explain.ts')).explainCommand,
  replay: async () => (await import('./policy-replay.ts')).replayCommand,
};

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || !Object.hasOwn(SUBCOMMANDS, command)) {
    if (command !== undefined && wantsHelp([command])) {
      process.stdout.write(POLICY_USAGE);
      return 0;
    }
    process.stderr.write(command === undefined ? POLICY_USAGE : `warden policy: unknown command "${command}"\n${POLICY_USAGE}`);
    return 2;
  }
  try {
    return await (await SUBCOMMANDS[command]!())(rest);
  } catch (error) {
    if (isWardenError(error) && error.code === 'USAGE') {
      process.stderr.write(`warden policy ${command}: ${error.message}\n`);
      return 2;
    }
    // replay's 1 means "decisions flip": a database or policy set it cannot load is 3 there.
    if (isWardenError(error) && command === 'replay') return failWith(error);
    if (isWardenError(error)) {
      process.stderr.write(`warden policy ${command}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof RegoError) {
      process.stderr.write(renderRegoError(error, {}));
      return 1;
    }
    throw error;
  }
}

/** The usage text of one subcommand, for its `-h`. */
export function printHelp(text: string): number {
  process.stdout.write(text);
  return 0;
}
