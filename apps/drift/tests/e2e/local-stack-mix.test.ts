/**
 * The must-show run: the real local stack (capture at 100 % into a temporary folder) under a real k6 run
 * (`apps/loadtest/k6/drift-mix.ts`) that sends four dogs-mini breeds for the first half and four other breeds for
 * the second, then the built `dogbreed-drift` on the capture folder: second half against first half finds the
 * drift (exit 1), first half against itself and its two quarters against each other do not. Skips without
 * ../shared/data/dogs-mini, k6 or the built local stack and CLI. `rollout.drift.minRequests` is lowered to 30 for the
 * CLI so a bounded run (RATE × DURATION_S / 2 per half) is enough data; the PSI thresholds are the spec's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { observationsOfJsonl } from '@dogbreed/model-quality';
import { PLATFORM_SPEC, type PlatformSpec } from '@dogbreed/platform-spec';
import { sharedDir, toolPaths, workspaceRoot } from '@dogbreed/workspace';
import { afterAll, describe, expect, it } from 'vitest';
import { DriftReportSchema, type DriftReport } from '../../src/report.js';

const root = workspaceRoot();
const stackMain = join(root, 'dist/apps/local-stack/main.js');
const driftMain = join(root, 'dist/apps/drift/main.js');
const k6Script = join(root, 'apps/loadtest/k6/drift-mix.ts');
const test = (() => {
  const shared = sharedDir();
  return shared ? join(shared, 'data', 'dogs-mini', 'test') : undefined;
})();
const MIX_A = ['003.beagle', '007.golden_retriever', '009.Samoyed', '001.Shih-Tzu'];
const MIX_B = [
  '002.Rhodesian_ridgeback',
  '004.English_foxhound',
  '005.Border_terrier',
  '006.Australian_terrier',
];
const RATE = 3;
const DURATION_S = 50;

const ready = Boolean(
  test &&
  [...MIX_A, ...MIX_B].every((c) => existsSync(join(test, c))) &&
  existsSync(stackMain) &&
  existsSync(driftMain) &&
  existsSync(toolPaths.k6()) &&
  existsSync(toolPaths.python()),
);

const photos = (classes: string[]) =>
  classes.flatMap((c) =>
    readdirSync(join(test as string, c))
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .slice(0, 5)
      .map((f) => join(test as string, c, f)),
  );

let work: string | undefined;
let stack: ChildProcess | undefined;
afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack?.once('exit', r));
    stack.kill('SIGTERM');
    const killer = setTimeout(() => stack?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * The stack serves the default model (the pretrained ImageNet dog-breed classifier, dog output included), written by
 * the stack itself into a models dir of this test's own: nothing is read from or left in the checkout's state.
 */
async function startStack(modelsDir: string, captures: string): Promise<string> {
  const override = { rollout: { dataCapture: { enabled: true, samplingPercent: 100, localDir: captures } } };
  stack = spawn(
    process.execPath,
    [stackMain, '--port', '0', '--models-dir', modelsDir, '--spec-json', JSON.stringify(override)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const child = stack;
  // The stack's own words, for the error when it stops before it is ready.
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  return new Promise<string>((resolve, reject) => {
    // Writing the default model (an ONNX export in the training venv) comes first on a fresh models dir.
    const timer = setTimeout(() => reject(new Error('local stack not ready within 240 s')), 240_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      const m = /LOCAL_STACK_READY url=(\S+)/.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`local stack exited with ${code} before it was ready:\n${stderrTail}`)),
    );
  });
}

function runK6(url: string, spec: PlatformSpec, summary: string): number {
  const a = photos(MIX_A);
  const b = photos(MIX_B);
  const vars = {
    SPEC: JSON.stringify(spec),
    MODE: 'local',
    BASE_URL: url,
    ENDPOINT: 'single',
    PAYLOAD: a[0] as string,
    MIX_A: JSON.stringify(a),
    MIX_B: JSON.stringify(b),
    RATE: String(RATE),
    DURATION_S: String(DURATION_S),
    SUMMARY_OUT: summary,
  };
  const args = [
    'run',
    '--quiet',
    '--no-color',
    ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    k6Script,
  ];
  const r = spawnSync(toolPaths.k6(), args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
    timeout: (DURATION_S + 60) * 1000,
  });
  return r.status ?? 137;
}

function drift(
  captures: string,
  out: string,
  baselineWindow: string,
  window: string,
): { code: number; report: DriftReport; stdout: string } {
  const endpoint = PLATFORM_SPEC.endpoints.single.name;
  const r = spawnSync(
    process.execPath,
    [
      driftMain,
      '--captures',
      captures,
      '--endpoint',
      endpoint,
      '--baseline-window',
      baselineWindow,
      '--window',
      window,
      '--out',
      out,
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        DOGBREED_SPEC_JSON: JSON.stringify({ rollout: { drift: { minRequests: 30 } } }),
      },
      timeout: 60_000,
    },
  );
  process.stdout.write(`${r.stdout}${r.stderr}`);
  return {
    code: r.status ?? 137,
    stdout: r.stdout,
    report: DriftReportSchema.parse(JSON.parse(readFileSync(join(out, 'drift-report.json'), 'utf8'))),
  };
}

/** The first and last capture times: the k6 scenario's real span (its start follows k6's init). */
function captureSpan(dir: string): { first: number; last: number; count: number } {
  const times = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      observationsOfJsonl(readFileSync(join(dir, f), 'utf8')).observations.map((o) => Date.parse(o.time)),
    );
  return { first: Math.min(...times), last: Math.max(...times), count: times.length };
}

const iso = (a: number, b: number) => `${new Date(a).toISOString()}/${new Date(b).toISOString()}`;

describe('drift on the local stack under a k6 run whose photo mix changes halfway', () => {
  it.skipIf(!ready)(
    'finds the change; the first half against itself and its quarters do not (skips without dogs-mini, k6 or the builds)',
    async () => {
      work = mkdtempSync(join(tmpdir(), 'drift-e2e-'));
      const captures = join(work, 'captures');
      const url = await startStack(join(work, 'models'), captures);
      const k6 = runK6(url, PLATFORM_SPEC, join(work, 'k6.json'));
      expect(k6, 'k6 exit code (0, or 99 for a threshold)').toBe(0);
      const span = captureSpan(captures);
      const mid = span.first + (DURATION_S * 1000) / 2;
      const end = span.last + 1000;
      process.stdout.write(
        `captured ${span.count} answers over ${((span.last - span.first) / 1000).toFixed(1)} s\n`,
      );

      const changed = drift(captures, join(work, 'b-vs-a'), iso(span.first, mid), iso(mid, end));
      expect(changed.code).toBe(1);
      expect(changed.report.verdict).toBe('fail');
      expect(changed.report.figures.classMixPsi).toBeGreaterThan(PLATFORM_SPEC.rollout.drift.maxClassMixPsi);

      const same = drift(captures, join(work, 'a-vs-a'), iso(span.first, mid), iso(span.first, mid));
      expect(same.code).toBe(0);
      expect(same.report.verdict).toBe('pass');
      expect(same.report.figures.classMixPsi).toBeCloseTo(0, 9);

      const quarter = span.first + (DURATION_S * 1000) / 4;
      const quarters = drift(captures, join(work, 'a2-vs-a1'), iso(span.first, quarter), iso(quarter, mid));
      expect(quarters.code).toBe(0);
      expect(quarters.report.verdict).not.toBe('fail');
      for (const [name, r] of [
        ['second half vs first half', changed],
        ['first half vs first half', same],
        ['second quarter vs first quarter', quarters],
      ] as const)
        process.stdout.write(
          `FIGURES ${name}: answers ${r.report.figures.answers} baseline ${r.report.baseline.answers} classMixPsi ${r.report.figures.classMixPsi?.toFixed(3)} confidencePsi ${r.report.figures.confidencePsi?.toFixed(3)} notADog ${JSON.stringify(r.report.figures.notADogRate)} verdict ${r.report.verdict}\n`,
        );
    },
  );
});
