/**
 * Loads every composite of a config: declarative ones compiled from the config, programmatic ones
 * imported from the modules it names (every export made with defineComposite counts).
 */
import { pathToFileURL } from 'node:url';
import { WardenError } from '../errors.ts';
import type { CompositeModule, DeclarativeCompositeConfig } from './config.ts';
import { compileDeclarativeComposite } from './declarative.ts';
import { isComposite } from './define.ts';
import type { Composite } from './types.ts';

export async function loadComposites(declarative: readonly DeclarativeCompositeConfig[], modules: readonly CompositeModule[]): Promise<Composite[]> {
  const composites = declarative.map(compileDeclarativeComposite);
  for (const { path, sha256 } of modules) {
    let exported: Record<string, unknown>;
    try {
      // The digest in the URL: Node keeps a module per URL for the life of the process, so an
      // edited module is imported anew on reload, and an unchanged one is not imported twice.
      exported = (await import(`${pathToFileURL(path).href}?sha256=${sha256}`)) as Record<string, unknown>;
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
