import { projectConfig } from '../../vitest.shared';

export default projectConfig(__dirname, { test: { testTimeout: 60_000, hookTimeout: 60_000 } });
