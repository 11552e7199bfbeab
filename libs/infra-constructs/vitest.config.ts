import { projectConfig } from '../../vitest.shared';

// CDK synths of the whole app take tens of seconds on 2 cores; the files share one synth each.
export default projectConfig(__dirname, { test: { testTimeout: 240_000, hookTimeout: 240_000 } });
