import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { isWardenError } from '../../../src/errors.ts';

/**
 * A config file an operator got wrong anywhere: the bundled example with one value replaced by
 * any JSON value, or one key removed. It loads, or it is refused with CONFIG_INVALID naming the
 * file (the config or one it refers to; and, where there is one, the JSON path); never another
 * error, never a crash.
 */
const root = mkdtempSync(join(tmpdir(), 'warden-config-fuzz-'));
cpSync(new URL('../../../examples', import.meta.url), join(root, 'examples'), { recursive: true });
cpSync(new URL('../../../policies', import.meta.url), join(root, 'policies'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = join(root, 'examples', 'warden.config.json');
const example = JSON.parse(readFileSync(file, 'utf8')) as unknown;

type Path = Array<string | number>;
/** Every place in a JSON value: the paths of its members and items, depth first. */
function paths(value: unknown, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [at];
  const inner = Object.entries(value).flatMap(([key, item]) => paths(item, [...at, Array.isArray(value) ? Number(key) : key]));
  return [at, ...inner];
}
const places = paths(example).filter((path) => path.length > 0);

function changed(path: Path, change: { remove: boolean; value: unknown }): unknown {
  const copy = structuredClone(example) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (change.remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = change.value;
  return copy;
}

describe('loadConfig on a config changed anywhere', () => {
  it('loads it or refuses it with CONFIG_INVALID naming the file, nothing else', () => {
    const env = { WARDEN_AUDIT_DB: join(root, 'audit.db') };
    fc.assert(
      fc.property(fc.nat(places.length - 1), fc.record({ remove: fc.boolean(), value: fc.jsonValue({ maxDepth: 3 }) }), (index, change) => {
        const path = places[index]!;
        writeFileSync(file, JSON.stringify(changed(path, change)));
        try {
          loadConfig(file, env);
        } catch (error) {
          expect(isWardenError(error, 'CONFIG_INVALID'), `${path.join('.')}: ${String(error)}`).toBe(true);
          // The file it names: the config, or one the config refers to (an mcpServers file, a key file).
          expect((error as Error).message.startsWith(root), (error as Error).message).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
