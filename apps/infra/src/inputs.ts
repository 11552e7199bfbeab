/**
 * What the CDK app reads from the repository, and where: the only place that knows the repository's layout. The
 * constructs library receives the results as plain inputs (folders, a Dockerfile, its build-context allow-list).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingBuildOutputError, type InfraInputs } from '@dogbreed/infra-constructs';

/** Paths relative to the repository root. */
export const REPO_LAYOUT = {
  invokerBundleDir: 'dist/apps/invoker',
  invokerBundleFile: 'index.mjs',
  modelServerDockerfile: 'apps/model-server/Dockerfile',
  /**
   * BuildKit's per-Dockerfile ignore file: an allow-list (`*`, then `!` what the Dockerfile copies). The CDK asset
   * uses the same lines, so its hash moves only when something the image is built from changes.
   */
  modelServerDockerignore: 'apps/model-server/Dockerfile.dockerignore',
} as const;

/** The repository root (the folder holding nx.json) above `fromUrl` (e.g. `import.meta.url`). */
export function findWorkspaceRoot(fromUrl: string): string {
  let dir = dirname(fileURLToPath(fromUrl));
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir)
      throw new MissingBuildOutputError(`no nx.json above ${fromUrl}: run the app from the repository`);
    dir = up;
  }
  return dir;
}

/** The patterns of a .dockerignore file (comments and blank lines dropped), in order: later lines win. */
export function dockerignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** The app's inputs under `root`, each checked to exist; a missing one fails naming the command that makes it. */
export function infraInputs(root: string): InfraInputs {
  const bundle = join(root, REPO_LAYOUT.invokerBundleDir);
  if (!existsSync(join(bundle, REPO_LAYOUT.invokerBundleFile))) {
    throw new MissingBuildOutputError(
      `The invoker bundle ${join(bundle, REPO_LAYOUT.invokerBundleFile)} is missing: build it first with \`npx nx run invoker:build\``,
    );
  }
  for (const file of [REPO_LAYOUT.modelServerDockerfile, REPO_LAYOUT.modelServerDockerignore]) {
    if (!existsSync(join(root, file)))
      throw new MissingBuildOutputError(`${join(root, file)} is missing (project model-server)`);
  }
  const allowList = dockerignorePatterns(
    readFileSync(join(root, REPO_LAYOUT.modelServerDockerignore), 'utf8'),
  );
  if (allowList[0] !== '*') {
    throw new MissingBuildOutputError(
      `${REPO_LAYOUT.modelServerDockerignore} must start with '*' (an allow-list), got '${allowList[0] ?? ''}'`,
    );
  }
  return {
    invokerBundleDir: bundle,
    modelServerImage: { directory: root, file: REPO_LAYOUT.modelServerDockerfile, exclude: allowList },
  };
}
