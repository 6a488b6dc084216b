/**
 * The official Python MCP SDK (`mcp` on PyPI), for tests that drive the gateway with a client and
 * an upstream written against another SDK than ours. Installed where it installs: a virtual
 * environment under node_modules/.cache (per checkout, gone with `rm -rf node_modules`, reused by
 * later runs), filled by pip from whatever index this machine's pip is set up for. A machine with
 * no python3 or no reachable index skips those tests and says why; nothing is downloaded at run
 * time when the environment is already there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The release the tests are written against (it speaks 2026-07-28 and 2025-11-25, client and server). */
export const PYTHON_MCP_VERSION = '2.3.0';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VENV = join(ROOT, 'node_modules', '.cache', 'mcp-warden', `python-mcp-${PYTHON_MCP_VERSION}`);
const PYTHON = join(VENV, 'bin', 'python');
/** Set by the global setup for the test workers: the venv's python, or why there is none. */
const PYTHON_ENV = 'WARDEN_TEST_PYTHON';
const MISSING_ENV = 'WARDEN_TEST_PYTHON_MISSING';

export type PythonSdk = { python: string } | { missing: string };

function run(command: string, args: string[], timeoutMs: number): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, output: result.error ? String(result.error.message) : output };
}

const installed = (): boolean => existsSync(PYTHON) && run(PYTHON, ['-c', `import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "${PYTHON_MCP_VERSION}")`], 30_000).ok;

/** Finds or builds the environment (global setup: once per run, before any worker starts). */
export function preparePythonSdk(): PythonSdk {
  if (installed()) return { python: PYTHON };
  const python3 = run('python3', ['--version'], 10_000);
  if (!python3.ok) return { missing: `no python3 on this machine (${python3.output.split('\n')[0]})` };
  rmSync(VENV, { recursive: true, force: true });
  const venv = run('python3', ['-m', 'venv', VENV], 120_000);
  if (!venv.ok) return { missing: `python3 -m venv failed: ${lastLine(venv.output)}` };
  // No retries: where no index answers, pip gives up in seconds instead of minutes.
  const pip = run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--retries', '0', '--timeout', '15', `mcp==${PYTHON_MCP_VERSION}`], 600_000);
  if (!pip.ok || !installed()) {
    rmSync(VENV, { recursive: true, force: true });
    return { missing: `pip could not install mcp==${PYTHON_MCP_VERSION}: ${lastLine(pip.output)}` };
  }
  return { python: PYTHON };
}

const lastLine = (text: string): string => text.split('\n').filter(Boolean).at(-1) ?? '(no output)';

/** Hands the result to the workers through their environment. */
export function publishPythonSdk(sdk: PythonSdk): void {
  if ('python' in sdk) process.env[PYTHON_ENV] = sdk.python;
  else process.env[MISSING_ENV] = sdk.missing;
}

/** In a test worker: what the global setup found. */
export function pythonSdk(): PythonSdk {
  const python = process.env[PYTHON_ENV];
  if (python !== undefined) return { python };
  return { missing: process.env[MISSING_ENV] ?? 'the global setup did not look for it (run the suite through vitest.config.ts)' };
}
