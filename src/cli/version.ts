import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (there is no build step to inline it). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
