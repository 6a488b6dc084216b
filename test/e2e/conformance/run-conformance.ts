/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
 * against a Streamable HTTP URL and returns every check it made, read from the per-scenario
 * `checks.json` files it writes with `-o` (0.2.0-alpha.12, pinned in package.json: the 0.2 line is
 * where the 2026-07-28 scenarios live). On Node 20 the suite is loaded through
 * node20-fs-glob.mjs (see there).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);
const SHIM = fileURLToPath(new URL('./node20-fs-glob.mjs', import.meta.url));
const PACKAGE = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json');
const CLI = join(dirname(PACKAGE), 'dist', 'index.js');
const TIMEOUT_MS = 45_000;

const checkSchema = z.object({
  id: z.string(),
  status: z.enum(['SUCCESS', 'FAILURE', 'WARNING', 'INFO', 'SKIPPED']),
  errorMessage: z.string().optional(),
});

export interface ConformanceCheck extends z.infer<typeof checkSchema> {
  scenario: string;
}

/** The requirement sets of conformance 0.2: each runs exactly what that MCP revision requires, at its wire, plus unscored extras. */
export type Requirements = '2025-11-25' | '2026-07-28';

function conformance(args: string[]) {
  return run(process.execPath, ['--import', SHIM, CLI, ...args], { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The server scenarios a revision requires (scored), from `conformance list --server
 * --requirements`: the `- name` lines of its "Server scenarios" section, which ends where the
 * client scenarios begin.
 */
export async function listRequiredServerScenarios(requirements: Requirements): Promise<string[]> {
  const { stdout } = await conformance(['list', '--server', '--requirements', requirements]);
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Server scenarios'));
  if (start === -1) throw new Error(`no "Server scenarios" section in conformance list output:\n${stdout}`);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const name = /^\s+- (\S+)$/.exec(line)?.[1];
    if (name !== undefined) names.push(name);
  }
  return names;
}

export async function runConformance(url: string, requirements: Requirements): Promise<ConformanceCheck[]> {
  const out = await mkdtemp(join(tmpdir(), 'warden-conformance-'));
  try {
    // The CLI exits non-zero when a check fails; the checks files say which, so that is not an error here.
    await conformance(['server', '--url', url, '--requirements', requirements, '-o', out]).catch((error: { code?: unknown; killed?: boolean }) => {
      if (error.killed || typeof error.code !== 'number') throw error;
    });
    const checks: ConformanceCheck[] = [];
    for (const dir of await readdir(out)) {
      const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir)?.[1];
      if (scenario === undefined) throw new Error(`unexpected conformance output directory ${dir}`);
      const parsed = z.array(checkSchema.loose()).parse(JSON.parse(await readFile(join(out, dir, 'checks.json'), 'utf8')));
      checks.push(...parsed.map(({ id, status, errorMessage }) => ({ scenario, id, status, ...(errorMessage ? { errorMessage } : {}) })));
    }
    return checks;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** `scenario/check-id` of every FAILURE, sorted: what expected-failure lists are compared with. */
export function failures(checks: readonly ConformanceCheck[]): string[] {
  return checks.filter((check) => check.status === 'FAILURE').map((check) => `${check.scenario}/${check.id}`).sort();
}
