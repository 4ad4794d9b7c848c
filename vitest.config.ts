import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Probe and channel tests bind real loopback servers; two cores are plenty for a few forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
