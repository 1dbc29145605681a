import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no server; `integration` talks to real servers (infra/local) and
// fails loudly in CI (REQUIRE_INFRA=1) when one is missing.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,simulators}/**/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{packages,services,simulators}/**/test/**/*.int.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // Starts testcontainers when a Docker engine is reachable and no endpoints are set.
          globalSetup: ['infra/vitest-global-setup.ts'],
        },
      },
    ],
  },
});
