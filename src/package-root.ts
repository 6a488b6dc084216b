/**
 * The root of the installed mcp-warden package (package.json, migrations/, policies/,
 * examples/), found by walking up from this module to mcp-warden's own package.json. Paths
 * relative to `import.meta.url` would differ between the TypeScript sources (src/<module>/...) and
 * the published bundle (dist/cli/warden.js); this one answer serves both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'mcp-warden') return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json of mcp-warden above ${from}`);
  }
}

export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The package version, read once from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
