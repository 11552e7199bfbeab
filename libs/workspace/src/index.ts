/**
 * Where the repository is and where tools/setup.sh puts things: tests, benchmarks and the load-test runner use
 * these paths; each honours an env override.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding nx.json). */
export function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('workspace root (nx.json) not found');
    dir = up;
  }
  return dir;
}

const goBin = () => join(process.env['GOPATH'] ?? join(homedir(), 'go'), 'bin');

export const toolPaths = {
  /** Python with torch/torchvision/onnx/onnxruntime/pytest (the training venv). */
  python: () => process.env['DOGBREED_PYTHON'] ?? join(workspaceRoot(), '.venv', 'bin', 'python'),
  /** moto's server (a real implementation of the AWS APIs). */
  motoServer: () =>
    process.env['DOGBREED_MOTO_SERVER'] ?? join(workspaceRoot(), '.venv-tools', 'bin', 'moto_server'),
  cfnLint: () => process.env['DOGBREED_CFN_LINT'] ?? join(workspaceRoot(), '.venv-tools', 'bin', 'cfn-lint'),
  k6: () => process.env['DOGBREED_K6'] ?? join(goBin(), 'k6'),
  actionlint: () => process.env['DOGBREED_ACTIONLINT'] ?? join(goBin(), 'actionlint'),
  chromium: () => process.env['DOGBREED_CHROMIUM'] ?? '/usr/bin/chromium',
} as const;

/** The optional real data beside the checkout (`../shared`); tests that use it skip when it is absent. */
export function sharedDir(): string | undefined {
  const dir = process.env['DOGBREED_SHARED_DIR'] ?? join(workspaceRoot(), '..', 'shared');
  return existsSync(dir) ? dir : undefined;
}
