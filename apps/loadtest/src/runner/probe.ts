import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeSpec, type PlatformSpec, type SpecOverride } from '@dogbreed/platform-spec';
import { capacityFromSteps, probeRates, type CapacityResult, type ProbeStepResult } from '../capacity';
import { ensurePayload } from '../payload';
import { runK6 } from './k6';
import { startLocalStack } from './local-stack';
import { runSpec, type Log } from './run';

export interface ProbeOptions {
  /** Probe a running single-instance endpoint instead of starting a stack pinned to one instance. */
  baseUrl?: string;
  specOverride?: SpecOverride;
  modelsDir?: string;
  noTrain?: boolean;
  outDir: string;
  sloP95Ms: number;
  startRps: number;
  maxRps: number;
  factor?: number;
  stepSeconds: number;
  endpoint: 'single' | 'multi';
  photosDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: Log;
}

/** One instance only: min = max = initial = 1, whatever the spec says otherwise. */
export const ONE_INSTANCE: SpecOverride = {
  autoscaling: { minInstances: 1, maxInstances: 1 },
  endpoints: { single: { initialInstanceCount: 1 }, multi: { initialInstanceCount: 1 } },
};

export interface ProbeOutcome {
  readonly capacity: CapacityResult;
  /** The spec the probe ran with (one instance): its endpoint names the instance type the capacity stands for. */
  readonly spec: PlatformSpec;
}

/**
 * Steps the arrival rate against ONE instance until the p95 SLO breaks (or errors appear), and derives the
 * target value it implies. Stops at the first unsustainable step: no point overloading further.
 */
export async function runCapacityProbe(o: ProbeOptions): Promise<ProbeOutcome> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const override = mergeSpec(o.specOverride ?? {}, ONE_INSTANCE);
  const spec = runSpec({ mode: 'local', specOverride: override, timeScale: 1, env: o.env });
  const payload = await ensurePayload(join(o.outDir, 'payload', 'dog.jpg'), o.photosDir);
  mkdirSync(o.outDir, { recursive: true });
  const stackLog = createWriteStream(join(o.outDir, 'local-stack-probe.log'));
  const stack = o.baseUrl
    ? undefined
    : await startLocalStack({
        timeScale: 1,
        specOverride: mergeSpec(override, { localStack: { timeScale: 1 } }),
        modelsDir: o.modelsDir,
        noTrain: o.noTrain,
        log: (l) => stackLog.write(l + '\n'),
      });
  if (stack)
    log(
      `local stack pinned to one instance at ${stack.url} (log: ${join(o.outDir, 'local-stack-probe.log')})`,
    );
  const steps: ProbeStepResult[] = [];
  try {
    for (const rps of probeRates(o.startRps, o.maxRps, o.factor)) {
      const r = await runK6({
        scenario: 'probe',
        spec,
        mode: 'local',
        baseUrl: stack?.url ?? o.baseUrl,
        payload: payload.path,
        outDir: join(o.outDir, 'k6'),
        summaryName: `probe-${rps}.json`,
        timeScale: 1,
        vars: {
          RATE: String(rps),
          DURATION_S: String(o.stepSeconds),
          P95_MS: String(o.sloP95Ms),
          ENDPOINT: o.endpoint,
        },
        timeoutMs: (o.stepSeconds + 90) * 1000,
        log,
      });
      const step = {
        rps,
        p95Ms: r.p95Ms,
        errorRate: r.failedRate,
        droppedIterations: r.droppedIterations,
        requests: r.requests,
      };
      steps.push(step);
      const partial = capacityFromSteps(steps, {
        sloP95Ms: o.sloP95Ms,
        specTargetValue: spec.autoscaling.targetValue,
        stepSeconds: o.stepSeconds,
      });
      const last = partial.steps.find((s) => s.rps === rps);
      log(
        `probe ${rps} req/s: p95 ${step.p95Ms?.toFixed(1) ?? 'n/a'} ms, errors ${(step.errorRate * 100).toFixed(2)}%, dropped ${step.droppedIterations} → ${last?.sustainable ? 'sustainable' : 'over capacity'}`,
      );
      if (!last?.sustainable) break;
    }
  } finally {
    await stack?.stop();
    stackLog.end();
  }
  return {
    capacity: capacityFromSteps(steps, {
      sloP95Ms: o.sloP95Ms,
      specTargetValue: spec.autoscaling.targetValue,
      stepSeconds: o.stepSeconds,
    }),
    spec,
  };
}
