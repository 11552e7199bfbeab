import { projectConfig } from '../../vitest.shared';

// Unit and integration tests (moto, capture folders the tests write); the e2e run with the local stack and k6 has
// its own config. One file at a time on 2 shared cores.
export default projectConfig(__dirname, {
  test: {
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
