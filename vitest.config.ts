import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real brokers and tcpdump take seconds; the defaults are tuned for unit tests.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that start brokers and tcpdump on loopback are not run in parallel with each other (see test/e2e).
    fileParallelism: true,
  },
});
