// Node 20 support for @modelcontextprotocol/conformance 0.1.16, loaded with
// `node --import ./test/e2e/conformance/node20-fs-glob.mjs`. Its bundle imports `globSync` from
// `fs`, which only Node 22 exports, so on Node 20 it dies while linking. This hook hands the
// bundle (and only the bundle) a copy of `fs` with that one extra export. The suite uses
// globSync for `tier-check` only, never for the server scenarios we run, so the stand-in refuses
// loudly instead of pretending to glob.
import { register } from 'node:module';

if (!('globSync' in (await import('node:fs')))) {
  register('./node20-fs-glob-hooks.mjs', import.meta.url);
}
