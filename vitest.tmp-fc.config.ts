import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['test/core/ddpm/**/*.test.ts', 'test/core/elbo/**/*.test.ts', 'test/core/schedule/**/*.test.ts'], setupFiles: ['/tmp/fcsetup/setup.ts'], testTimeout: 600000, pool: 'forks' } });
