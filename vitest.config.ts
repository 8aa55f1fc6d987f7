import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node (and redis-server for the config proof);
// `integration` runs against the real local control plane that test/cluster starts once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One control plane per run; files share it, each test takes a fresh namespace.
          fileParallelism: false,
        },
      },
    ],
  },
});
