/** The repository root and the tool paths: found from this file, each overridden by its environment variable. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sharedDir, toolPaths, workspaceRoot } from './index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('workspace', () => {
  it('finds the folder that holds nx.json', () => {
    expect(existsSync(join(workspaceRoot(), 'nx.json'))).toBe(true);
    expect(existsSync(join(workspaceRoot(), 'libs', 'workspace', 'src', 'index.ts'))).toBe(true);
  });

  it('puts each tool where tools/setup.sh installs it, unless its variable says otherwise', () => {
    vi.stubEnv('DOGBREED_PYTHON', '');
    vi.stubEnv('DOGBREED_K6', '/opt/k6');
    expect(toolPaths.k6()).toBe('/opt/k6');
    vi.stubEnv('DOGBREED_MOTO_SERVER', '/x/moto_server');
    expect(toolPaths.motoServer()).toBe('/x/moto_server');
    delete process.env['DOGBREED_PYTHON'];
    expect(toolPaths.python()).toBe(join(workspaceRoot(), '.venv', 'bin', 'python'));
  });

  it('has no shared data when its folder is absent', () => {
    vi.stubEnv('DOGBREED_SHARED_DIR', join(workspaceRoot(), 'no-such-folder'));
    expect(sharedDir()).toBeUndefined();
  });
});
