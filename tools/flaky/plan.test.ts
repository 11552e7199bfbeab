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
  touch('apps/model-server/tests/helpers/images.ts');
  touch('apps/loadtest/tests/loadtest.e2e.test.ts');
  touch('apps/loadtest/vitest.e2e.config.ts');
  touch('apps/invoker/tests/unit/handler.test.ts');
  touch('apps/launcher/tests/local.test.ts');

  it('finds e2e/integration files (and the whole tests/ of loadtest, launcher, infra), not unit tests', () => {
    expect(discoverTestFiles(root)).toEqual([
      {
        path: 'apps/launcher/tests/local.test.ts',
        project: 'launcher',
        config: 'apps/launcher/vitest.config.ts',
      },
      {
        path: 'apps/loadtest/tests/loadtest.e2e.test.ts',
        project: 'loadtest',
        config: 'apps/loadtest/vitest.e2e.config.ts',
      },
      {
        path: 'apps/local-stack/tests/e2e/a.test.ts',
        project: 'local-stack',
        config: 'apps/local-stack/vitest.config.ts',
      },
      {
        path: 'apps/model-server/tests/integration/server.test.ts',
        project: 'model-server',
        config: 'apps/model-server/vitest.config.ts',
      },
    ]);
  });

  it('keeps the files matching any filter', () => {
    expect(selectFiles(discoverTestFiles(root), ['model-server', 'loadtest']).map((f) => f.project)).toEqual([
      'loadtest',
      'model-server',
    ]);
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
