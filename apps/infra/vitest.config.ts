import { projectConfig } from '../../vitest.shared';

// One `cdk synth` through the CLI plus cfn-lint over every template: slow on 2 cores, no timing assertions.
export default projectConfig(__dirname, { test: { testTimeout: 300_000, hookTimeout: 300_000 } });
