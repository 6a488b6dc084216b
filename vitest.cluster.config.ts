import { defineConfig } from 'vitest/config';

/** `npm run test:cluster`: PostgreSQL, three replicas and HAProxy (deploy/), run apart from `npm test`. */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 170_000,
    hookTimeout: 150_000,
  },
});
