/**
 * The model-server image's build context is an allow-list (the Dockerfile's own .dockerignore): the CDK asset hash,
 * which decides whether a deploy rebuilds and replaces the endpoints' image, moves when a file the image is built
 * from changes and stays put when anything else in the repository does. Checked on a miniature repository with the
 * real ignore file, through the same DockerImageAsset settings the serving stack uses.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, aws_ecr_assets as ecrAssets, IgnoreMode, Stack } from 'aws-cdk-lib';
import { workspaceRoot } from '@dogbreed/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerignorePatterns, infraInputs, REPO_LAYOUT } from './inputs.js';

let root = '';
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

/** The asset hash of the model-server image for the miniature repository as it is now. */
function imageHash(): string {
  const { modelServerImage } = infraInputs(root);
  const stack = new Stack(new App(), 'S');
  return new ecrAssets.DockerImageAsset(stack, 'Image', {
    directory: modelServerImage.directory,
    file: modelServerImage.file,
    exclude: [...modelServerImage.exclude],
    ignoreMode: IgnoreMode.DOCKER,
    platform: ecrAssets.Platform.LINUX_AMD64,
  }).assetHash;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'model-server-context-'));
  mkdirSync(join(root, dirname(REPO_LAYOUT.modelServerDockerignore)), { recursive: true });
  copyFileSync(
    join(workspaceRoot(), REPO_LAYOUT.modelServerDockerignore),
    join(root, REPO_LAYOUT.modelServerDockerignore),
  );
  for (const f of ['package.json', 'package-lock.json', '.npmrc', 'nx.json', 'tsconfig.base.json'])
    write(f, `${f}\n`);
  write(REPO_LAYOUT.modelServerDockerfile, 'FROM scratch\n');
  write('apps/model-server/src/main.ts', 'export {};\n');
  write('libs/platform-spec/src/index.ts', 'export {};\n');
  write(join(REPO_LAYOUT.invokerBundleDir, REPO_LAYOUT.invokerBundleFile), 'export {};\n');
  write('training/train.py', 'print(1)\n');
  write('apps/infra/src/main.ts', 'export {};\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model-server build context', () => {
  it("is the Dockerfile's own allow-list", () => {
    const text = `# comment\n*\n!package.json\n\n**/node_modules\n`;
    expect(dockerignorePatterns(text)).toEqual(['*', '!package.json', '**/node_modules']);
    expect(infraInputs(root).modelServerImage.exclude[0]).toBe('*');
  });

  it('keeps its hash when unrelated files change or appear', () => {
    const before = imageHash();
    write('training/train.py', 'print(2)\n');
    write('apps/infra/src/main.ts', 'export const changed = 1;\n');
    write('docs/new-page.md', '# new\n');
    write('NEW-TOP-LEVEL-FILE.txt', 'x\n');
    write('apps/model-server/tests/server.test.ts', 'export {};\n');
    write('libs/platform-spec/node_modules/x/index.js', 'x\n');
    expect(imageHash()).toBe(before);
  });

  it('changes its hash when a file the image is built from changes', () => {
    const before = imageHash();
    write('apps/model-server/src/main.ts', 'export const v = 2;\n');
    const afterServer = imageHash();
    expect(afterServer).not.toBe(before);
    write('libs/platform-spec/src/index.ts', 'export const v = 2;\n');
    expect(imageHash()).not.toBe(afterServer);
  });

  it('holds every workspace library the model server imports, directly or through another library', () => {
    const repo = workspaceRoot();
    const read = (path: string) => readFileSync(join(repo, path), 'utf8');
    const sources = (dir: string): string[] =>
      readdirSync(join(repo, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => read(join(dir, f)));
    const libsImportedBy = (dir: string) =>
      new Set(
        sources(dir).flatMap((text) => [...text.matchAll(/from '@dogbreed\/([\w-]+)'/g)].map((m) => m[1])),
      );
    const needed = new Set<string>();
    const pending = [...libsImportedBy('apps/model-server/src')];
    for (let lib = pending.pop(); lib !== undefined; lib = pending.pop()) {
      if (needed.has(lib)) continue;
      needed.add(lib);
      pending.push(...libsImportedBy(`libs/${lib}/src`));
    }
    const dockerfile = read(REPO_LAYOUT.modelServerDockerfile);
    const allowList = dockerignorePatterns(read(REPO_LAYOUT.modelServerDockerignore));
    expect(needed.size).toBeGreaterThan(0);
    for (const lib of needed) {
      expect(dockerfile, `the Dockerfile copies libs/${lib}/`).toContain(`COPY libs/${lib}/ libs/${lib}/`);
      expect(allowList, `the build context lets libs/${lib}/ in`).toContain(`!libs/${lib}/`);
    }
  });
});
