import { projectConfig } from '../../vitest.shared';

/** End-to-end: the real k6 binary against the real local stack (needs `nx build local-stack`). */
const config = projectConfig(__dirname, {
  test: { testTimeout: 360_000, hookTimeout: 120_000, fileParallelism: false },
});
// mergeConfig concatenates arrays: replace the shared include list instead of extending it.
if (config.test) config.test.include = ['tests/e2e/**/*.test.ts'];
export default config;
