/**
 * `npm run test:flaky`: runs every e2e/integration test file N times under CPU load and prints a table of passes
 * and fails per file (also written to <out>/flaky-report.md, with <out>/flaky-report.json and the output of every
 * failed run). Exits 1 if any run failed. Not part of `npm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBurners } from './burners.js';
import {
  discoverTestFiles,
  FlakyUsageError,
  parseArgs,
  renderTable,
  selectFiles,
  USAGE,
  type FileTally,
  type TestFile,
} from './plan.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

function runOnce(
  file: TestFile,
  timeoutSeconds: number,
): Promise<{ ok: boolean; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', file.config, join(ROOT, file.path)], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: a timed-out run takes every process it started with it
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-200_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      output += `\n[flaky] run killed after ${timeoutSeconds} s\n`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ ok: code === 0, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const files = selectFiles(discoverTestFiles(ROOT), o.filters);
  if (files.length === 0)
    throw new FlakyUsageError(`no e2e/integration test file matches ${o.filters.join(', ')}`);
  const outDir = resolve(ROOT, o.outDir);
  mkdirSync(join(outDir, 'failures'), { recursive: true });
  if (o.build) {
    process.stderr.write('[flaky] building what the e2e files run (nx run-many -t build)\n');
    const b = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    if (b.status !== 0) throw new Error('the build failed; fix it or pass --no-build');
  }
  // Bounded: the burners stop by themselves after the longest the whole check may take.
  const burners = startBurners({ count: o.burners, maxSeconds: o.runs * files.length * o.runTimeoutSeconds });
  const stop = () => {
    burners.stop();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tallies: FileTally[] = files.map((f) => ({ path: f.path, passes: 0, fails: 0 }));
  const runsLog: { file: string; run: number; ok: boolean; seconds: number }[] = [];
  try {
    process.stderr.write(
      `[flaky] ${files.length} files × ${o.runs} runs, ${o.burners} CPU burners (pids ${burners.pids.join(', ')})\n`,
    );
    // Round by round, so a check cut short still covers every file equally.
    for (let run = 1; run <= o.runs; run++) {
      for (const [i, file] of files.entries()) {
        const r = await runOnce(file, o.runTimeoutSeconds);
        const t = tallies[i] as FileTally;
        if (r.ok) t.passes++;
        else {
          t.fails++;
          writeFileSync(
            join(outDir, 'failures', `${file.path.replaceAll('/', '__')}.run${run}.log`),
            r.output,
          );
        }
        runsLog.push({ file: file.path, run, ok: r.ok, seconds: r.seconds });
        process.stderr.write(
          `[flaky] run ${run}/${o.runs} ${r.ok ? 'pass' : 'FAIL'} ${r.seconds.toFixed(0)} s ${file.path}\n`,
        );
        writeFileSync(
          join(outDir, 'flaky-report.json'),
          JSON.stringify({ runs: o.runs, burners: o.burners, tallies, runsLog }, null, 2),
        );
      }
    }
  } finally {
    burners.stop();
  }
  const table = renderTable(tallies, o.runs);
  writeFileSync(join(outDir, 'flaky-report.md'), `${table}\n`);
  process.stdout.write(`${table}\n`);
  return tallies.some((t) => t.fails > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof FlakyUsageError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    if (err instanceof FlakyUsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  },
);
