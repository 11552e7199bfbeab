import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlatformSpec, mergeSpec, type PlatformSpec, type SpecOverride } from '@dogbreed/platform-spec';
import { sharedDir } from '@dogbreed/workspace';
import { autoscaleProfile, concurrencyProfile } from '../../k6/lib/profiles.ts';
import { ensurePayload } from '../payload';
import { buildReport, type Report } from '../report/model';
import { writeReport, type WrittenReport } from '../report/write';
import { awsClients, observationFromAws } from '../verify/aws';
import { fetchLocalMetrics, observationFromLocal } from '../verify/local';
import type { Observation } from '../verify/observation';
import { verify, type Expectations } from '../verify/rules';
import { readK6Summary, scenarioResult, type ScenarioResult } from './k6-summary';
import { runK6, type Scenario } from './k6';
import { startLocalStack } from './local-stack';

export type Log = (line: string) => void;

/** Real seconds a new local instance needs to get InService (a model-server process loading its model). */
export const LOCAL_WARMUP_SECONDS = 8;

export interface RunOptions {
  mode: 'local' | 'aws';
  /** Use a running stack (local) instead of starting one. */
  baseUrl?: string;
  /** AWS: the deployed function URL. */
  functionUrl?: string;
  scenarios: Scenario[];
  specOverride?: SpecOverride;
  /** Local: the stack's time scale (AWS: 1). */
  timeScale: number;
  modelsDir?: string;
  noTrain?: boolean;
  /** Local: the port of the stack this run starts (0: any free port). @default 0 */
  port?: number;
  outDir: string;
  endpoint: 'single' | 'multi';
  expectScaleIn: boolean;
  concurrencySeconds?: number;
  soakSeconds?: number;
  warmupSeconds?: number;
  photosDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: Log;
}

/** The spec in force for a run: env overrides, then the run's override, then the time scale (local). */
export function runSpec(o: Pick<RunOptions, 'mode' | 'specOverride' | 'timeScale' | 'env'>): PlatformSpec {
  const extra =
    o.mode === 'local'
      ? mergeSpec(o.specOverride ?? {}, { localStack: { timeScale: o.timeScale } })
      : o.specOverride;
  return loadPlatformSpec(o.env ?? process.env, extra);
}

export interface VerifyOptions {
  spec: PlatformSpec;
  mode: 'local' | 'aws';
  baseUrl?: string;
  target: string;
  endpoint: 'single' | 'multi';
  window?: { start: number; end: number };
  scenarios: ScenarioResult[];
  offeredConcurrency?: number;
  expectScaleIn: boolean;
  outDir: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads what really happened, applies the rules, writes report.json / report.html / summary.md. */
export async function verifyAndReport(v: VerifyOptions): Promise<{ report: Report; paths: WrittenReport }> {
  const endpointSpec = v.spec.endpoints[v.endpoint];
  let observation: Observation;
  if (v.mode === 'local') {
    if (!v.baseUrl) throw new Error('local verification needs the stack URL (--base-url)');
    observation = observationFromLocal(await fetchLocalMetrics(v.baseUrl), endpointSpec.name, v.window);
  } else {
    if (!v.window) throw new Error('AWS verification needs the run window (--since / --until)');
    const region = v.env?.['AWS_REGION'] ?? v.spec.project.region;
    observation = await observationFromAws(awsClients(region), {
      endpointName: endpointSpec.name,
      variantName: endpointSpec.variantName,
      functionName: v.spec.invoker.functionName,
      window: v.window,
    });
  }
  const ran = new Set(v.scenarios.map((s) => s.name));
  const exp: Expectations = {
    expectScaleIn: v.expectScaleIn && ran.has('autoscale'),
    expectMaxReached: ran.has('autoscale'),
    offeredConcurrency: v.offeredConcurrency,
    toleranceMs: v.mode === 'local' ? 50 : 0,
    clientThrottled: ran.has('concurrency') ? v.scenarios.reduce((s, r) => s + r.throttled, 0) : undefined,
  };
  const checks = verify(v.spec, observation, exp);
  const report = buildReport({
    spec: v.spec,
    mode: v.mode,
    target: v.target,
    endpointName: endpointSpec.name,
    scenarios: v.scenarios,
    checks,
    observation,
  });
  return { report, paths: await writeReport(report, v.outDir, v.env) };
}

/** Summaries a previous run left in `<out>/k6` (for the standalone verifier). */
export function previousScenarioResults(outDir: string): ScenarioResult[] {
  const dir = join(outDir, 'k6');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^(smoke|autoscale|concurrency|soak)\.json$/.test(f))
    .map((f) => scenarioResult(readK6Summary(join(dir, f)), 0));
}

/** Starts the local stack (unless given a URL), runs the scenarios with k6, verifies, reports, stops what it started. */
export async function runLoadTest(o: RunOptions): Promise<{ report: Report; paths: WrittenReport }> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const spec = runSpec(o);
  const timeScale = o.mode === 'local' ? o.timeScale : 1;
  const photos = o.photosDir ?? (sharedDir() ? join(sharedDir() as string, 'data/dogs-mini') : undefined);
  const payload = await ensurePayload(join(o.outDir, 'payload', 'dog.jpg'), photos);
  log(
    `payload ${payload.path}: ${payload.bytes} bytes, ${payload.width}×${payload.height} (from ${payload.source})`,
  );

  // The stack's own log goes to a file beside the report (it is verbose); its path is printed.
  mkdirSync(o.outDir, { recursive: true });
  const stackLogPath = join(o.outDir, 'local-stack.log');
  const stackLog = createWriteStream(stackLogPath);
  const stack =
    o.mode === 'local' && !o.baseUrl
      ? await startLocalStack({
          timeScale,
          specOverride: mergeSpec(o.specOverride ?? {}, { localStack: { timeScale } }),
          modelsDir: o.modelsDir,
          noTrain: o.noTrain,
          port: o.port,
          log: (l) => stackLog.write(l + '\n'),
        })
      : undefined;
  if (stack) log(`local stack at ${stack.url} (time scale ${timeScale}; log: ${stackLogPath})`);
  try {
    const baseUrl = stack?.url ?? o.baseUrl;
    if (o.mode === 'aws' && !o.functionUrl)
      throw new Error('AWS mode needs --function-url (the deployed invoker URL)');
    const start = Date.now();
    const results: ScenarioResult[] = [];
    const warmup =
      o.warmupSeconds ?? (o.mode === 'aws' ? spec.ci.loadTest.instanceWarmupSeconds : LOCAL_WARMUP_SECONDS);
    let offered: number | undefined;
    for (const scenario of o.scenarios) {
      const vars: Record<string, string> = { ENDPOINT: o.endpoint, WARMUP_S: String(warmup) };
      let seconds = scenario === 'smoke' ? 10 : 60;
      if (scenario === 'autoscale')
        seconds = autoscaleProfile(spec, { timeScale, instanceWarmupSeconds: warmup }).totalSeconds;
      if (scenario === 'concurrency') {
        seconds = o.concurrencySeconds ?? 10;
        vars['DURATION_S'] = String(seconds);
        offered = concurrencyProfile(spec, seconds).vus;
      }
      if (scenario === 'soak') {
        seconds = o.soakSeconds ?? 60;
        vars['DURATION_S'] = String(seconds);
      }
      log(`running ${scenario} (about ${seconds} s)`);
      const r = await runK6({
        scenario,
        spec,
        mode: o.mode,
        baseUrl,
        functionUrl: o.functionUrl,
        payload: payload.path,
        outDir: join(o.outDir, 'k6'),
        timeScale,
        vars,
        timeoutMs: (seconds + 120) * 1000,
        log,
      });
      log(
        `${scenario}: ${r.passed ? 'thresholds passed' : 'THRESHOLDS FAILED'} (${r.requests} requests, ${r.ok} × 200, ${r.throttled} × 429, ${r.unexpected} other)`,
      );
      results.push(r);
    }
    return await verifyAndReport({
      spec,
      mode: o.mode,
      baseUrl,
      target: o.mode === 'aws' ? (o.functionUrl as string) : (baseUrl as string),
      endpoint: o.endpoint,
      window: o.mode === 'aws' || o.baseUrl ? { start, end: Date.now() } : undefined,
      scenarios: results,
      offeredConcurrency: offered,
      expectScaleIn: o.expectScaleIn,
      outDir: o.outDir,
      env: o.env,
    });
  } finally {
    await stack?.stop();
    stackLog.end();
  }
}
