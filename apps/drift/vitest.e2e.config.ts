import { projectConfig } from '../../vitest.shared';

/** End-to-end: the real local stack under a real k6 run, then the built CLI on its capture folder. */
const config = projectConfig(__dirname, {
  test: { testTimeout: 420_000, hookTimeout: 120_000, fileParallelism: false },
});
// mergeConfig concatenates arrays: replace the shared include list instead of extending it.
if (config.test) config.test.include = ['tests/e2e/**/*.test.ts'];
export default config;
