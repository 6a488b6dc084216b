import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../src/audit/migrations.ts';
import { tempDir } from '../../../testkit/support/audit.ts';

/**
 * The migration files a release ships: a misnamed file or two files of one version is a bug of
 * ours (INTERNAL), caught at start before anything is applied. Two branches once both added a
 * `0002_*`: the runner took them for one version and never applied the second.
 */
const { dir, cleanup } = tempDir('migration-files');
afterAll(cleanup);

function folder(name: string, files: string[]): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const file of files) writeFileSync(join(path, file), 'SELECT 1;');
  return path;
}

describe('loadMigrations', () => {
  it('reads NNNN_name.sql files in version order', () => {
    const migrations = loadMigrations(folder('good', ['0002_pins.sql', '0001_events.sql', 'README.md']));
    expect(migrations.map((m) => [m.version, m.name])).toEqual([[1, 'events'], [2, 'pins']]);
  });

  it('refuses a misnamed file with INTERNAL naming it', () => {
    expect(() => loadMigrations(folder('misnamed', ['0001_events.sql', '2_pins.sql']))).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('2_pins.sql is not named NNNN_name.sql') }));
  });

  it('refuses two files of one version, and a gap, with INTERNAL naming the file', () => {
    expect(() => loadMigrations(folder('twice', ['0001_events.sql', '0002_sessions.sql', '0002_tool_pins.sql']))).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('expected version 3') }));
    expect(() => loadMigrations(folder('gap', ['0001_events.sql', '0003_pins.sql']))).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('0003_pins.sql') }));
  });
});
