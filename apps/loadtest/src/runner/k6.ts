import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformSpec } from '@dogbreed/platform-spec';
import { toolPaths } from '@dogbreed/workspace';
import { readK6Summary, scenarioResult, soakDrift, type ScenarioResult } from './k6-summary';

export const K6_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../k6');

export type Scenario = 'smoke' | 'autoscale' | 'concurrency' | 'soak' | 'probe' | 'rollout';

export interface K6Run {
  scenario: Scenario;
  spec: PlatformSpec;
  mode: 'local' | 'aws';
  baseUrl?: string;
  functionUrl?: string;
  payload: string;
  outDir: string;
  timeScale: number;
  /** Extra -e variables (DURATION_S, RATE, P95_MS, ...). */
  vars?: Record<string, string>;
  /** Hard wall-clock limit for the k6 process, ms. */
  timeoutMs: number;
  /** Summary file name (default `<scenario>.json`). */
  summaryName?: string;
  /** Every metric sample as k6's JSON lines (`--out json=`), for verifiers that judge request by request. */
  samplesPath?: string;
  log?: (line: string) => void;
}

/**
 * The k6 command line: spec and targets through env, never baked into the scripts. File paths are made absolute:
 * k6's `open()` resolves a relative path against the script's folder, not the working directory.
 */
export function k6Args(r: K6Run, summaryPath: string): string[] {
  const vars: Record<string, string> = {
    SPEC: JSON.stringify(r.spec),
    MODE: r.mode,
    PAYLOAD: resolve(r.payload),
    SUMMARY_OUT: resolve(summaryPath),
    TIME_SCALE: String(r.timeScale),
    ...(r.baseUrl ? { BASE_URL: r.baseUrl } : {}),
    ...(r.functionUrl ? { FUNCTION_URL: r.functionUrl } : {}),
    ...(r.vars ?? {}),
  };
  const args = ['run', '--quiet', '--no-color'];
  if (r.samplesPath) args.push('--out', `json=${resolve(r.samplesPath)}`);
  for (const [k, v] of Object.entries(vars)) args.push('-e', `${k}=${v}`);
  args.push(join(K6_DIR, `${r.scenario}.ts`));
  return args;
}

/** Runs one scenario with the real k6 binary; a threshold failure is a result, not an exception. */
export async function runK6(r: K6Run): Promise<ScenarioResult> {
  mkdirSync(r.outDir, { recursive: true });
  const summaryPath = join(r.outDir, r.summaryName ?? `${r.scenario}.json`);
  const log = r.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const child = spawn(toolPaths.k6(), k6Args(r, summaryPath), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
  });
  const forward = (b: Buffer) =>
    b
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => log(`[k6 ${r.scenario}] ${l}`));
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const timer = setTimeout(() => child.kill('SIGKILL'), r.timeoutMs);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 137 : 1)));
  }).finally(() => clearTimeout(timer));
  // k6: 0 ok, 99 thresholds failed; anything else (script error, timeout) leaves no trustworthy summary.
  if (code !== 0 && code !== 99)
    throw new Error(`k6 ${r.scenario} exited with ${code} (see the [k6 ${r.scenario}] lines above)`);
  const summary = readK6Summary(summaryPath);
  const result = scenarioResult(summary, code);
  if (r.scenario === 'soak') {
    const drift = soakDrift(summary);
    if (drift) result.notes.push(drift);
  }
  return result;
}
