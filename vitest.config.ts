import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing but Node (and redis-server for the config proof);
// `integration` runs against the real local control plane that test/cluster starts once per run,
// with kwok's simulated node; `redis` against one with a real node, whose pods run Redis.
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
      {
        test: {
          name: 'redis',
          include: ['test/redis/**/*.test.ts'],
          globalSetup: ['test/cluster/real-node-global-setup.ts'],
          // Real pods restart for real: a rolling update of five Redis pods takes a minute or two.
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // One real node per machine; files share it, each test takes a fresh namespace.
          fileParallelism: false,
        },
      },
    ],
  },
});
