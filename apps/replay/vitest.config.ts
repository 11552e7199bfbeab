import { projectConfig } from '../../vitest.shared';

// The integration and real-data tests start real model servers: generous timeouts, one file at a time on 2 cores.
export default projectConfig(__dirname, {
  test: { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
