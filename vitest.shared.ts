import { fileURLToPath } from 'node:url';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * One vitest config for every TypeScript project: path aliases from tsconfig.base.json, coverage under
 * coverage/<project>, node environment. Projects pass only what differs (timeouts, include globs).
 */
export function projectConfig(projectRoot: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  const name = projectRoot.replace(/\/$/, '').split('/').slice(-1)[0] ?? 'project';
  return mergeConfig(
    defineConfig({
      root: projectRoot,
      plugins: [tsconfigPaths({ root: workspaceRoot })],
      test: {
        name,
        environment: 'node',
        include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
        reporters: ['default'],
        coverage: {
          provider: 'v8',
          reportsDirectory: `${workspaceRoot}/coverage/${name}`,
          include: ['src/**/*.ts'],
          exclude: ['src/**/*.test.ts'],
        },
      },
    }),
    overrides,
  );
}
