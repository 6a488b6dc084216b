/**
 * Loads every composite of a config: declarative ones compiled from the config, programmatic ones
 * imported from the modules it names (every export made with defineComposite counts).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WardenError } from '../errors.ts';
import type { DeclarativeCompositeConfig } from './config.ts';
import { compileDeclarativeComposite } from './declarative.ts';
import { isComposite } from './define.ts';
import type { Composite } from './types.ts';

export async function loadComposites(declarative: readonly DeclarativeCompositeConfig[], modules: readonly string[], baseDir: string): Promise<Composite[]> {
  const composites = declarative.map(compileDeclarativeComposite);
  for (const modulePath of modules) {
    const path = resolve(baseDir, modulePath);
    let exported: Record<string, unknown>;
    try {
      exported = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new WardenError('CONFIG_INVALID', `composite_modules: cannot load ${path}: ${(error as Error).message}`, { cause: error });
    }
    const found = Object.values(exported).filter(isComposite);
    if (found.length === 0) throw new WardenError('CONFIG_INVALID', `composite_modules: ${path} exports no composite made with defineComposite`);
    composites.push(...found);
  }
  const seen = new Set<string>();
  for (const composite of composites) {
    if (seen.has(composite.name)) throw new WardenError('CONFIG_INVALID', `composites: the name ${composite.name} is defined twice`);
    seen.add(composite.name);
  }
  return composites;
}
