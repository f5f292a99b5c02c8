import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/_support/setup.ts'],
    // Statistical tests run at fixed keys, so they are deterministic; the timeout only
    // guards against hangs on a slow CI machine (2 cores).
    testTimeout: 60_000,
    pool: 'forks',
  },
});
