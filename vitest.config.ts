import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'testkit/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // The CLI and the fixture servers, bundled once per run: every process start is ~0.6-1 s of CPU cheaper.
    globalSetup: ['testkit/support/bundles.global.ts'],
    // The cluster test (PostgreSQL, three replicas, HAProxy) runs apart: `npm run test:cluster`.
    exclude: [...configDefaults.exclude, 'test/cluster/**'],
    // Tests start real child processes and servers on 127.0.0.1; two cores means keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
