import { projectConfig } from '../../vitest.shared';

// e2e tests start real processes (model servers, Chromium): generous timeouts, one file at a time on 2 cores.
export default projectConfig(__dirname, {
  test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false },
});
