import { projectConfig } from '../../vitest.shared';

// Integration tests start the built server and build ONNX models with Python: give them time, run files one by one
// (2 shared cores), and let unit tests stay fast.
export default projectConfig(__dirname, {
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
