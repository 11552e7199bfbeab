import { projectConfig } from '../vitest.shared';

/**
 * End-to-end: the deploy workflow rehearsed step by step against moto. Its build steps rewrite dist/ (the invoker,
 * the model server, the replay), so it runs in `npm test`'s e2e phase, one target at a time, never beside the
 * local-stack tests that start those bundles.
 */
const config = projectConfig(__dirname, { test: { testTimeout: 900_000, hookTimeout: 300_000 } });
// mergeConfig concatenates arrays: replace the shared include list instead of extending it.
if (config.test) config.test.include = ['tests/seams/rehearsal.test.ts'];
export default config;
