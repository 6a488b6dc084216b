// Module hooks for node20-fs-glob.mjs (they run on the loader thread).
const SHIM = 'warden-shim:fs-with-glob';
const SOURCE = `
import fs from 'node:fs';
export * from 'node:fs';
export default fs;
export function globSync() {
  throw new Error('fs.globSync needs Node 22; mcp-warden only shims it so the conformance server scenarios can load');
}
`;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.includes('/@modelcontextprotocol/conformance/')) {
    return { url: SHIM, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url === SHIM) return { format: 'module', source: SOURCE, shortCircuit: true };
  return nextLoad(url, context);
}
