import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'client', include: ['packages/client/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'browser', include: ['packages/browser/src/**/*.test.ts', 'packages/browser/test/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // chDB binds one engine per process: each test file gets its own fork.
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
