import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/_support/setup.ts'],
    // Statistical tests run at fixed keys, so they are deterministic; the timeout only
    // guards against hangs on a slow CI machine (2 cores).
    testTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module cache: every file imports the same core and
    // @fast-check/vitest, and re-importing them per file cost ~130 s of a 180 s run. The
    // tests are pure (fixed keys, no global state beyond the tfjs backend, which the tfjs
    // files set themselves), so sharing the cache changes no result.
    isolate: false,
  },
});
