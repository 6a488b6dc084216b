/**
 * Vitest global setup: finds or installs the Python MCP SDK once per run, before any worker starts
 * (python-sdk.ts), and tells the workers through their environment. Where it cannot be had, the
 * tests that need it are skipped and this says why.
 */
import { preparePythonSdk, publishPythonSdk } from './python-sdk.ts';

export default function setup(): void {
  const sdk = preparePythonSdk();
  publishPythonSdk(sdk);
  if ('missing' in sdk) process.stderr.write(`Python SDK tests skipped: ${sdk.missing}\n`);
}
