import { projectConfig } from '../vitest.shared';

export default projectConfig(__dirname, {
  test: {
    include: ['gha/**/*.test.ts', 'flaky/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    coverage: { include: ['gha/**/*.ts'] },
  },
});
