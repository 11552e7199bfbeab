import { projectConfig } from '../../vitest.shared';

/** Unit tests: pure rules, report, capacity math, the signer, the AWS verifier against recorded shapes. */
export default projectConfig(__dirname, {
  test: { exclude: ['**/node_modules/**', 'tests/e2e/**'], testTimeout: 30_000 },
});
