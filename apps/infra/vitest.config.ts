import { projectConfig } from '../../vitest.shared';

// One `cdk synth` through the CLI plus cfn-lint over every template: slow on 2 cores, no timing assertions.
// The deploy wrapper's unit tests sit beside it in scripts/ (added to the shared src/ and tests/ globs).
export default projectConfig(__dirname, {
  test: { include: ['scripts/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
});
