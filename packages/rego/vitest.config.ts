import { defineConfig } from 'vitest/config';

// The package's own suite (`npm test -w @mcp-warden/rego`); the root config runs it too.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', maxWorkers: 2, testTimeout: 30_000 },
});
