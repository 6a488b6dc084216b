import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from './log.ts';

/**
 * Calls `onChange` once things have been quiet for `debounceMs` after a change under any of the
 * paths (policy files, the config file). Editors and `git checkout` touch several files (and often
 * replace a file by rename), so a single file is watched through its directory and bursts
 * collapse into one reload.
 */
export interface FileWatcher {
  close(): void;
}

export function watchPaths(
  absolutePaths: readonly string[],
  debounceMs: number,
  onChange: () => void,
  logger: Logger,
  what: string,
): FileWatcher {
  let timer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };

  const watchers: FSWatcher[] = absolutePaths.map((path) => {
    const isDirectory = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
    const target = isDirectory ? path : dirname(path);
    const only = isDirectory ? undefined : basename(path);
    const watcher = watch(target, { recursive: isDirectory, persistent: false }, (_event, file) => {
      if (only === undefined || file === only) changed();
    });
    watcher.on('error', (error) => logger.error({ err: error, path }, `${what} watch failed; reload with SIGHUP`));
    return watcher;
  });

  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
