import { projectConfig } from '../vitest.shared';

/**
 * End-to-end: the first deploy rehearsed from an empty emulated account (deploy.yml and loadtest.yml played as GitHub
 * schedules them). Its build steps rewrite dist/ (the invoker, the model server, the replay, the launcher), so it runs
 * in `npm test`'s e2e phase, one target at a time, never beside the local-stack tests that start those bundles.
 */
const config = projectConfig(__dirname, { test: { testTimeout: 900_000, hookTimeout: 300_000 } });
// mergeConfig concatenates arrays: replace the shared include list instead of extending it.
if (config.test) config.test.include = ['tests/e2e/**/*.test.ts'];
export default config;
