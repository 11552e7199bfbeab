import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, discoverTestFiles, FlakyUsageError, parseArgs, renderTable, selectFiles } from './plan.js';

const root = mkdtempSync(join(tmpdir(), 'flaky-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), '');
}

describe('parseArgs', () => {
  it('defaults to 10 runs, 2 burners, every file', () => {
    expect(parseArgs([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ runs: 10, burners: 2, filters: [] });
  });

  it('reads --runs, repeated --filter, --no-build and --out in both spellings', () => {
    expect(
      parseArgs(['--runs', '3', '--filter=local-stack', '--filter', 'model-server', '--no-build', '--out=x']),
    ).toMatchObject({
      runs: 3,
      filters: ['local-stack', 'model-server'],
      build: false,
      outDir: 'x',
    });
  });

  it.each([[['--runs', '0']], [['--runs', 'many']], [['--filter']], [['--verbose']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(FlakyUsageError);
    },
  );
});

describe('discoverTestFiles', () => {
  touch('apps/local-stack/tests/e2e/a.test.ts');
  touch('apps/local-stack/src/unit.test.ts');
  touch('apps/model-server/tests/integration/server.test.ts');
  touch('apps/model-server/tests/support/images.ts');
  touch('apps/loadtest/tests/e2e/loadtest.test.ts');
  touch('apps/loadtest/tests/integration/k6.test.ts');
  touch('apps/loadtest/vitest.e2e.config.ts');
  touch('apps/launcher/src/ec2/launch.test.ts');
  touch('apps/launcher/tests/integration/local.test.ts');
  touch('apps/launcher/tests/support/helpers.ts');
  touch('libs/testing/tests/integration/moto.test.ts');
  touch('tools/tests/e2e/first-deploy.test.ts');

  it('finds the tests/integration and tests/e2e files of every app and lib, not unit tests or support code', () => {
    const file = (path: string, project: string, config: string) => ({ path, project, config });
    expect(discoverTestFiles(root)).toEqual([
      file('apps/launcher/tests/integration/local.test.ts', 'launcher', 'apps/launcher/vitest.config.ts'),
      file('apps/loadtest/tests/e2e/loadtest.test.ts', 'loadtest', 'apps/loadtest/vitest.e2e.config.ts'),
      file('apps/loadtest/tests/integration/k6.test.ts', 'loadtest', 'apps/loadtest/vitest.config.ts'),
      file('apps/local-stack/tests/e2e/a.test.ts', 'local-stack', 'apps/local-stack/vitest.config.ts'),
      file(
        'apps/model-server/tests/integration/server.test.ts',
        'model-server',
        'apps/model-server/vitest.config.ts',
      ),
      file('libs/testing/tests/integration/moto.test.ts', 'testing', 'libs/testing/vitest.config.ts'),
    ]);
  });

  it('keeps the files matching any filter', () => {
    expect(
      selectFiles(discoverTestFiles(root), ['model-server', 'e2e/loadtest']).map((f) => f.project),
    ).toEqual(['loadtest', 'model-server']);
  });
});

describe('renderTable', () => {
  it('prints file × passes/fails and a total', () => {
    const t = renderTable(
      [
        { path: 'apps/a/tests/e2e/x.test.ts', passes: 10, fails: 0 },
        { path: 'apps/b/tests/integration/y.test.ts', passes: 9, fails: 1 },
      ],
      10,
    );
    expect(t.split('\n')).toEqual([
      '| file                               | passes | fails |',
      '|------------------------------------|--------|-------|',
      '| apps/a/tests/e2e/x.test.ts         | 10/10  | 0     |',
      '| apps/b/tests/integration/y.test.ts | 9/10   | 1     |',
      '',
      '2 files × 10 runs: 1 failed run(s)',
    ]);
  });
});
