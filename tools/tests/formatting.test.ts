/**
 * Formatting is enforced, not just configured: `npm test` and the CI workflow run `format:check`, and that check
 * fails on a file that differs from the repository's Prettier style (printWidth 110, single quotes).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workspaceRoot } from '@dogbreed/workspace';

const ROOT = workspaceRoot();
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const tmp = mkdtempSync(join(tmpdir(), 'format-check-'));

/** `prettier --check` with the repository's config on one file: its exit code and output. */
async function check(source: string): Promise<{ code: number; output: string }> {
  const file = join(tmp, 'sample.ts');
  writeFileSync(file, source);
  const prettier = join(ROOT, 'node_modules', '.bin', 'prettier');
  const args = ['--check', '--config', join(ROOT, '.prettierrc.json'), 'sample.ts'];
  try {
    // Run from the temporary folder: from the root, the repository's ignore files would skip a path under /tmp.
    const { stdout, stderr } = await run(prettier, args, { cwd: tmp });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('formatting', () => {
  it('format:check is prettier --check over the whole repository', () => {
    expect(pkg.scripts['format:check']).toBe('prettier --check .');
  });

  it('npm test runs the format check before anything else', () => {
    const commands = readFileSync(join(ROOT, 'tools', 'test.sh'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set |ROOT=|cd )/.test(l));
    expect(commands[0]).toBe('npm run --silent format:check');
  });

  it('the CI workflow runs the format check', () => {
    const ci = parse(readFileSync(join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    const runs = Object.values(ci.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    expect(runs).toContain('npm run format:check');
  });

  it('the check fails on a mis-formatted file and passes once it is formatted', async () => {
    const bad = await check('const greeting = "hello"\nexport { greeting }\n');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('sample.ts');
    const good = await check("const greeting = 'hello';\nexport { greeting };\n");
    expect(good).toEqual({
      code: 0,
      output: expect.stringContaining('All matched files use Prettier code style'),
    });
  });
});
