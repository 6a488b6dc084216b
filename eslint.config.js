// The rules of the house (docs/architecture.md), checked by `npm test`. Only rules that encode a
// boundary or a convention of this project live here: formatting and style are not linted.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/**
 * Which modules of src/ each module may import. Anything not listed is a lint error, so a new
 * dependency between modules is a decision made here, in review, not an accident.
 * `config` composes the config schemas that the other modules own, so it may import their
 * `config.ts` and nothing else of them.
 */
const MAY_IMPORT = {
  audit: ['errors.ts', 'log.ts', 'metrics', 'package-root.ts'],
  auth: ['errors.ts', 'log.ts'],
  catalog: ['composites', 'config', 'errors.ts'],
  composites: ['errors.ts'],
  config: ['errors.ts'],
  metrics: [],
  // Pinned tool definitions: digests and screening of catalog items, persisted through the audit store's pins.
  integrity: ['audit', 'catalog', 'errors.ts', 'log.ts'],
  // Approvals bound to the exact call: their config, binding digests (the audit chain's) and the ways of asking.
  approvals: ['audit', 'errors.ts', 'log.ts'],
  limits: ['errors.ts'],
  policy: ['auth', 'errors.ts', 'log.ts', 'metrics'],
  upstreams: ['catalog', 'config', 'errors.ts', 'log.ts', 'metrics'],
  pipeline: ['approvals', 'audit', 'auth', 'catalog', 'composites', 'integrity', 'limits', 'metrics', 'policy', 'upstreams', 'errors.ts', 'log.ts'],
  // The composition root: builds the catalog, upstreams, limits and pipeline, holds the client sessions and fans upstream events out to them.
  gateway: ['audit', 'auth', 'catalog', 'composites', 'config', 'integrity', 'limits', 'metrics', 'pipeline', 'policy', 'upstreams', 'errors.ts', 'log.ts'],
  // Protocol edges only: they serve a Gateway's pipeline and sessions on HTTP and stdio.
  downstream: ['approvals', 'audit', 'auth', 'config', 'console', 'gateway', 'limits', 'metrics', 'pipeline', 'upstreams', 'errors.ts', 'log.ts'],
  // The read-only web console: reads the trail through the audit module's reader, asks the policy,
  // shows the catalog as the pipeline says a principal sees it.
  console: ['audit', 'auth', 'errors.ts', 'log.ts', 'package-root.ts', 'pipeline', 'policy'],
  cli: ['approvals', 'audit', 'auth', 'catalog', 'composites', 'config', 'console', 'downstream', 'gateway', 'integrity', 'limits', 'metrics', 'pipeline', 'policy', 'upstreams', 'errors.ts', 'log.ts', 'package-root.ts'],
};
const OWN_CONFIG_SCHEMAS = ['approvals', 'audit', 'auth', 'composites', 'console', 'integrity', 'limits', 'policy'];
const LEAVES = ['errors.ts', 'log.ts', 'package-root.ts'];
const MODULES = [...Object.keys(MAY_IMPORT), ...LEAVES];

/**
 * Front doors: a module folder that others use has one entry, its `index.ts`, and another module
 * imports that file only (inside a module, files import each other freely). `config` may also
 * read the `config.ts` of the modules whose schema it composes.
 */
const doorsOf = (module, other) => (module === 'config' && OWN_CONFIG_SCHEMAS.includes(other) ? ['./index.ts', './config.ts'] : ['./index.ts']);

const moduleZones = Object.entries(MAY_IMPORT).flatMap(([module, allowed]) =>
  MODULES.filter((other) => other !== module).flatMap((other) => {
    if (!allowed.includes(other)) {
      const zone = { target: `./src/${module}`, from: `./src/${other}`, message: `src/${module} may not import src/${other} (eslint.config.js, MAY_IMPORT)` };
      if (module === 'config' && OWN_CONFIG_SCHEMAS.includes(other)) zone.except = ['./config.ts'];
      return [zone];
    }
    if (LEAVES.includes(other)) return [];
    return [{ target: `./src/${module}`, from: `./src/${other}`, except: doorsOf(module, other), message: `src/${module} imports src/${other} only through its front door, src/${other}/index.ts` }];
  }),
);

export default tseslint.config(
  { ignores: ['node_modules/**', '**/node_modules/**', 'dist/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.json'] } } },
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [
          // The Rego engine is a package of its own: it knows nothing of MCP or of the gateway.
          { target: './packages/rego', from: ['./src', './test', './testkit', './bench', './examples'], message: 'packages/rego imports nothing of the gateway' },
          // Product code never depends on tests, their kit or the examples.
          { target: './src', from: ['./test', './testkit', './examples'], message: 'src/ never imports from test/, testkit/ or examples/' },
          // Benchmarks measure the product: they may start the kit's fixture servers and harness (testkit/), never tests.
          { target: './bench', from: ['./test'], message: 'bench/ never imports from test/: what it shares with the tests is in testkit/' },
          // The kit serves tests and benches alike, so it never depends on a test.
          { target: './testkit', from: ['./test'], message: 'testkit/ never imports from test/' },
          // Only the pipeline ties stages together: a stage never imports another stage.
          { target: './src/pipeline/stages', from: './src/pipeline/stages', message: 'a pipeline stage never imports another stage: put what they share in pipeline/' },
          ...moduleZones,
        ],
      }],
    },
  },
  {
    // Terminals belong to the CLI: everything else logs through pino on stderr.
    files: ['src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
