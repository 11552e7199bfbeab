/**
 * The flake check's pure parts: its command line, which test files it runs (every e2e/integration file) with which
 * vitest config, and the table it prints.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface FlakyOptions {
  /** Runs of every file. */
  readonly runs: number;
  /** Only files whose path contains one of these (all files when empty). */
  readonly filters: readonly string[];
  /** CPU-burning processes kept running for the whole check. */
  readonly burners: number;
  /** Longest one run of one file may take before it counts as failed. */
  readonly runTimeoutSeconds: number;
  /** Skip the Nx build the e2e files need (when dist/ is known to be fresh). */
  readonly build: boolean;
  /** Directory for the report (table + JSON) and the output of failed runs. */
  readonly outDir: string;
}

export const DEFAULTS: FlakyOptions = {
  runs: 10,
  filters: [],
  burners: 2,
  runTimeoutSeconds: 900,
  build: true,
  outDir: 'test-output/flaky',
};

export class FlakyUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlakyUsageError';
  }
}

export const USAGE = `usage: npm run test:flaky -- [--runs N] [--filter TEXT]... [--burners N] [--run-timeout SECONDS] [--no-build] [--out DIR]
  Runs every e2e/integration test file N times (default ${DEFAULTS.runs}) while ${DEFAULTS.burners} CPU-burning processes load the
  machine, then prints (and writes to DIR/flaky-report.md) a table file × passes/fails.`;

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0)
    throw new FlakyUsageError(`${flag} needs a whole number, got ${value ?? 'nothing'}`);
  return n;
}

export function parseArgs(argv: readonly string[]): FlakyOptions {
  let o: FlakyOptions = { ...DEFAULTS, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const [name, inline] = flag.includes('=')
      ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
      : [flag, undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--runs': {
        const runs = positiveInt(name, value());
        if (runs < 1) throw new FlakyUsageError('--runs must be at least 1');
        o = { ...o, runs };
        break;
      }
      case '--filter': {
        const f = value();
        if (!f) throw new FlakyUsageError('--filter needs a text');
        o = { ...o, filters: [...o.filters, f] };
        break;
      }
      case '--burners':
        o = { ...o, burners: positiveInt(name, value()) };
        break;
      case '--run-timeout':
        o = { ...o, runTimeoutSeconds: positiveInt(name, value()) };
        break;
      case '--no-build':
        o = { ...o, build: false };
        break;
      case '--out': {
        const d = value();
        if (!d) throw new FlakyUsageError('--out needs a directory');
        o = { ...o, outDir: d };
        break;
      }
      default:
        throw new FlakyUsageError(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return o;
}

/** One test file and the vitest config that runs it. */
export interface TestFile {
  /** Relative to the workspace root, with forward slashes. */
  readonly path: string;
  readonly project: string;
  readonly config: string;
}

/**
 * Where test files that start processes, servers or emulators live in every project (CONTRIBUTING.md, Tests): what
 * can flake. Unit tests (beside the code under `src/`) and shared test code (`tests/support/`) are never run.
 */
const SLOW_TEST_DIRS = ['tests/integration', 'tests/e2e'] as const;

/** The folders that hold projects. The tools project is left out: its e2e is the first-deploy rehearsal (minutes). */
const PROJECT_PARENTS = ['apps', 'libs'] as const;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));
}

/** Every e2e/integration test file of the workspace, sorted, each with its project's vitest config. */
export function discoverTestFiles(root: string): TestFile[] {
  const files: TestFile[] = [];
  for (const parent of PROJECT_PARENTS) {
    if (!existsSync(join(root, parent))) continue;
    for (const project of readdirSync(join(root, parent))) {
      const projectRoot = `${parent}/${project}`;
      for (const dir of SLOW_TEST_DIRS) {
        for (const abs of walk(join(root, projectRoot, dir))) {
          if (!abs.endsWith('.test.ts')) continue;
          const path = relative(root, abs).split(sep).join('/');
          files.push({ path, project, config: configFor(root, projectRoot, path) });
        }
      }
    }
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Files under `tests/e2e/` run under the project's e2e config where it has one (its unit config leaves them out). */
export function configFor(root: string, projectRoot: string, path: string): string {
  const e2e = `${projectRoot}/vitest.e2e.config.ts`;
  if (path.startsWith(`${projectRoot}/tests/e2e/`) && existsSync(join(root, e2e))) return e2e;
  return `${projectRoot}/vitest.config.ts`;
}

export function selectFiles(files: readonly TestFile[], filters: readonly string[]): TestFile[] {
  return filters.length === 0 ? [...files] : files.filter((f) => filters.some((x) => f.path.includes(x)));
}

export interface FileTally {
  readonly path: string;
  passes: number;
  fails: number;
}

/** A Markdown table, widest-path aligned: file × passes/fails, and a total line. */
export function renderTable(tallies: readonly FileTally[], runs: number): string {
  const rows = tallies.map((t) => [t.path, `${t.passes}/${t.passes + t.fails}`, String(t.fails)]);
  const head = ['file', 'passes', 'fails'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  const total = tallies.reduce((n, t) => n + t.fails, 0);
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `${tallies.length} files × ${runs} runs: ${total === 0 ? 'no failure' : `${total} failed run(s)`}`,
  ].join('\n');
}
