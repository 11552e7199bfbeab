import { projectConfig } from '../vitest.shared';

export default projectConfig(__dirname, {
  test: {
    include: [
      'gha/**/*.test.ts',
      'rehearsal/**/*.test.ts',
      'flaky/**/*.test.ts',
      'doctor/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    // The workflow rehearsal rebuilds dist/ as the workflow does: it runs alone in the e2e phase (vitest.e2e.config.ts),
    // never beside tests that start those bundles.
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    testTimeout: 120_000,
    coverage: { include: ['gha/**/*.ts', 'doctor/**/*.ts'] },
  },
});
