import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REQUIREMENTS } from './requirements.ts';

/**
 * Coverage of the security promises by test titles. Tags (`[area:name]`) are read from the source
 * of every test file under test/, where they sit in it/describe titles or in it.each title
 * columns; reading sources means this check needs no run of the other (slow) files.
 */
const TEST_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TAG = /\[((?:auth|authz|audit|fail-closed|visibility|composite):[a-z0-9-]+)\]/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') && !path.endsWith('requirements.test.ts') ? [path] : [];
  });
}

/** tag -> files whose test titles carry it */
function tagsInTitles(): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const file of testFiles(TEST_ROOT)) {
    for (const match of readFileSync(file, 'utf8').matchAll(TAG)) {
      tags.set(match[1]!, [...(tags.get(match[1]!) ?? []), relative(TEST_ROOT, file)]);
    }
  }
  return tags;
}

describe('security requirements', () => {
  const tags = tagsInTitles();

  it.each(Object.keys(REQUIREMENTS))('[%s] is covered by at least one tagged test', (id) => {
    expect(tags.get(id), `no test title carries [${id}]: ${REQUIREMENTS[id as keyof typeof REQUIREMENTS]}`).toBeDefined();
  });

  it('every tag used in a test title names a listed requirement', () => {
    const unknown = [...tags.keys()].filter((tag) => !(tag in REQUIREMENTS));
    expect(unknown).toEqual([]);
  });
});
