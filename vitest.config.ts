import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'testkit/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // The CLI and the fixture servers, bundled once per run: every process start is ~0.6-1 s of CPU
    // cheaper. The Python MCP SDK, where it installs, for the tests against another SDK's client and server.
    globalSetup: ['testkit/support/bundles.global.ts', 'testkit/support/python-sdk.global.ts'],
    // The cluster test (PostgreSQL, three replicas, HAProxy) runs apart: `npm run test:cluster`.
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    // Tests start real child processes and servers on 127.0.0.1; two cores means keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    // Test files share their worker's module cache instead of each loading the SDKs, zod, pg and
    // the gateway again: the whole suite went from 538-597 s to 290 s on these 2 cores (the
    // loading was ~200 s of CPU). Tests own their state (a gateway, a store, a server per test or
    // file, global metrics reset by the module that sets them), so nothing leaks between files.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
