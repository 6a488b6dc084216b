import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WardenError } from '../errors.ts';

/** One file of a policy set, read once; `name` is what messages show (relative to baseDir). */
export interface PolicyFile {
  name: string;
  absolutePath: string;
  /** Directories between the configured root and the file: where a data document is mounted. */
  dataPrefix: string[];
  bytes: Buffer;
}

export function resolvePolicyPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function displayName(absolutePath: string, baseDir: string): string {
  const rel = relative(baseDir, absolutePath);
  return rel.startsWith('..') || isAbsolute(rel) ? absolutePath : rel.split(sep).join('/');
}

/**
 * Files below `dir`, dot-entries skipped. Symbolic links are followed: a Kubernetes ConfigMap
 * volume presents every file as a link into a hidden `..data` directory.
 */
async function walk(dir: string, skipDirectory: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => !entry.name.startsWith('.'))
      .map(async (entry) => {
        const full = join(dir, entry.name);
        const info = entry.isSymbolicLink() ? await stat(full) : entry;
        if (info.isDirectory()) return skipDirectory(entry.name) ? [] : walk(full, skipDirectory);
        return info.isFile() ? [full] : [];
      }),
  );
  return nested.flat();
}

/**
 * Reads every file under `paths` that `accept` keeps (directories recursively, dot-files
 * skipped), sorted by name so that the revision does not depend on directory order.
 * A configured path that does not exist is a load failure naming it. `skipDirectory` leaves out
 * directories by name (`warden policy test` with no path does not descend into node_modules).
 */
export async function readPolicyFiles(
  paths: readonly string[],
  baseDir: string,
  accept: (absolutePath: string) => boolean,
  skipDirectory: (name: string) => boolean = () => false,
): Promise<PolicyFile[]> {
  const files: PolicyFile[] = [];
  for (const configured of paths) {
    const root = resolvePolicyPath(configured, baseDir);
    const info = await stat(root).catch((error: unknown) => {
      throw new WardenError('POLICY_LOAD_FAILED', `${configured}: policy path cannot be read (${(error as Error).message})`, { cause: error });
    });
    const found = info.isDirectory() ? (await walk(root, skipDirectory)).filter(accept) : [root];
    for (const absolutePath of found) {
      // Overlapping paths (a directory and a file inside it) load the file once.
      if (files.some((file) => file.absolutePath === absolutePath)) continue;
      const dataPrefix = info.isDirectory() ? relative(root, absolutePath).split(sep).slice(0, -1) : [];
      files.push({ name: displayName(absolutePath, baseDir), absolutePath, dataPrefix, bytes: await readFile(absolutePath) });
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** SHA-256 over each file's name and bytes, length-prefixed so no two sets can collide by concatenation. */
export function revisionOf(files: readonly { name: string; bytes: Uint8Array }[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.name.length}:${file.name}:${file.bytes.byteLength}:`);
    hash.update(file.bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
