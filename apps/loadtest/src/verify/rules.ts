import type { PlatformSpec } from '@dogbreed/platform-spec';
import type { ActivityRecord, Observation } from './observation';

/** One verified claim: what was expected, what was seen, and a sentence a person can act on. */
export interface CheckResult {
  id: string;
  title: string;
  pass: boolean;
  expected: string;
  actual: string;
  message: string;
}

export interface Expectations {
  /** The run offered more concurrent requests than the reserved concurrency (the concurrency scenario ran). */
  offeredConcurrency?: number;
  /** The run dropped the load long enough that a scale-in must have happened. */
  expectScaleIn: boolean;
  /** The autoscale scenario ran, so maxInstances must have been reached (default true). */
  expectMaxReached?: boolean;
  /** Clock slack allowed on cooldown gaps, ms (timer jitter in the local stack; 0 on AWS). */
  toleranceMs?: number;
  /** 429s k6 counted on the function URL, if known: the platform must account for every one. */
  clientThrottled?: number;
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** One verdict line: its message is the actual figure when it passed, the failure text when it did not. */
export function check(
  id: string,
  title: string,
  pass: boolean,
  expected: string,
  actual: string,
  failure: string,
): CheckResult {
  return { id, title, pass, expected, actual, message: pass ? `${title}: ${actual}` : failure };
}

function scaling(activities: ActivityRecord[]) {
  return [...activities].filter((a) => a.direction !== 'replace').sort((x, y) => x.t - y.t);
}

export function maxInstancesSeen(obs: Observation): number {
  const fromSeries = Math.max(0, ...obs.endpoint.instanceSeries.map((p) => p.instances));
  return Math.max(fromSeries, obs.endpoint.currentInstances);
}

/** The fewest InService instances from the first time the peak was reached to the end of the run. */
export function fewestInstancesAfterPeak(obs: Observation, peak: number): number {
  const series = obs.endpoint.instanceSeries;
  const from = series.findIndex((p) => p.instances >= peak);
  const after = from < 0 ? [] : series.slice(from).map((p) => p.instances);
  return Math.min(peak, ...after, ...(from < 0 ? [] : [obs.endpoint.currentInstances]));
}

export function maxDesired(obs: Observation): number {
  return Math.max(0, ...obs.endpoint.activities.map((a) => a.toDesired));
}

/** The rules. Pure: the same observation always gives the same results. */
export function verify(spec: PlatformSpec, obs: Observation, exp: Expectations): CheckResult[] {
  const a = spec.autoscaling;
  const name = obs.endpoint.name;
  const tol = exp.toleranceMs ?? 0;
  const results: CheckResult[] = [];

  const seen = maxInstancesSeen(obs);
  if (exp.expectMaxReached !== false)
    results.push(
      check(
        'max-instances-reached',
        `endpoint ${name} reached maxInstances`,
        seen === a.maxInstances,
        `${a.maxInstances} instances in service at peak`,
        `${seen} instances at peak`,
        seen < a.maxInstances
          ? `endpoint ${name} reached only ${seen} instances, expected ${a.maxInstances} (spec autoscaling.maxInstances): ` +
              `the load did not drive InvocationsPerInstance above the target (${a.targetValue}) long enough, or scale-out failed`
          : `endpoint ${name} had ${seen} instances in service, more than maxInstances ${a.maxInstances}`,
      ),
    );

  const desired = Math.max(seen, maxDesired(obs));
  results.push(
    check(
      'max-instances-never-exceeded',
      `endpoint ${name} never exceeded maxInstances`,
      desired <= a.maxInstances,
      `≤ ${a.maxInstances} instances (desired and in service)`,
      `at most ${desired}`,
      `endpoint ${name} went to ${desired} instances (desired or in service), above maxInstances ${a.maxInstances}`,
    ),
  );

  const acts = scaling(obs.endpoint.activities);
  const outCooldownMs = (a.scaleOutCooldownSeconds * 1000) / obs.timeScale;
  const inCooldownMs = (a.scaleInCooldownSeconds * 1000) / obs.timeScale;
  const scaled = obs.timeScale === 1 ? '' : ` (${a.scaleOutCooldownSeconds} s / time scale ${obs.timeScale})`;

  const outs = acts.filter((x) => x.direction === 'out');
  const outGaps = outs.slice(1).map((x, i) => x.t - (outs[i] as ActivityRecord).t);
  const minOutGap = outGaps.length ? Math.min(...outGaps) : undefined;
  results.push(
    check(
      'scale-out-cooldown',
      'consecutive scale-outs respected the scale-out cooldown',
      minOutGap === undefined || minOutGap + tol >= outCooldownMs,
      `≥ ${fmtS(outCooldownMs)} between scale-outs${scaled}`,
      minOutGap === undefined
        ? `${outs.length} scale-out(s), no consecutive pair`
        : `shortest gap ${fmtS(minOutGap)} over ${outs.length} scale-outs`,
      `two scale-outs of ${name} were only ${fmtS(minOutGap ?? 0)} apart; the scale-out cooldown is ${fmtS(outCooldownMs)}${scaled}`,
    ),
  );

  const inGaps: { gap: number; at: ActivityRecord }[] = [];
  acts.forEach((x, i) => {
    if (x.direction === 'in' && i > 0) inGaps.push({ gap: x.t - (acts[i - 1] as ActivityRecord).t, at: x });
  });
  const worstIn = inGaps.reduce<{ gap: number; at: ActivityRecord } | undefined>(
    (w, g) => (!w || g.gap < w.gap ? g : w),
    undefined,
  );
  const scaledIn =
    obs.timeScale === 1 ? '' : ` (${a.scaleInCooldownSeconds} s / time scale ${obs.timeScale})`;
  results.push(
    check(
      'scale-in-cooldown',
      'scale-in waited the scale-in cooldown after the previous activity',
      !worstIn || worstIn.gap + tol >= inCooldownMs,
      `≥ ${fmtS(inCooldownMs)} after the previous scaling activity${scaledIn}`,
      worstIn
        ? `shortest gap ${fmtS(worstIn.gap)} over ${inGaps.length} scale-in(s)`
        : 'no scale-in after another activity',
      `${name} scaled in ${fmtS(worstIn?.gap ?? 0)} after the previous activity; the scale-in cooldown is ${fmtS(inCooldownMs)}${scaledIn}`,
    ),
  );

  if (exp.expectScaleIn) {
    const ins = acts.filter((x) => x.direction === 'in');
    // After the peak, not at the end: a later scenario (concurrency goes through the same endpoint) may
    // legitimately scale it out again once the cooldown has passed.
    const fewestAfterPeak = fewestInstancesAfterPeak(obs, seen);
    results.push(
      check(
        'scaled-in',
        `endpoint ${name} scaled in after the load dropped`,
        ins.length > 0 && fewestAfterPeak < seen,
        `a scale-in activity and fewer than ${seen} instances after the peak`,
        `${ins.length} scale-in(s), fewest ${fewestAfterPeak} instance(s) after the peak`,
        `endpoint ${name} did not scale in after the load dropped (${ins.length} scale-in activities, never fewer than ${fewestAfterPeak} instances after the peak of ${seen})`,
      ),
    );
  }

  const l = obs.lambda;
  const reserved = spec.invoker.reservedConcurrency;
  if (exp.offeredConcurrency !== undefined) {
    const offeredMore = exp.offeredConcurrency > reserved;
    results.push(
      check(
        'lambda-max-concurrency',
        `function ${l.functionName} ran exactly reservedConcurrency executions at peak`,
        offeredMore ? l.maxConcurrentExecutions === reserved : l.maxConcurrentExecutions <= reserved,
        offeredMore ? `max ConcurrentExecutions == ${reserved}` : `max ConcurrentExecutions ≤ ${reserved}`,
        `max ConcurrentExecutions ${l.maxConcurrentExecutions} with ${exp.offeredConcurrency} offered`,
        l.maxConcurrentExecutions > reserved
          ? `function ${l.functionName} ran ${l.maxConcurrentExecutions} concurrent executions, above its reserved concurrency ${reserved}`
          : `function ${l.functionName} peaked at ${l.maxConcurrentExecutions} concurrent executions although ${exp.offeredConcurrency} ` +
              `requests were offered at once; expected exactly ${reserved} (spec invoker.reservedConcurrency)`,
      ),
    );
    if (offeredMore) {
      results.push(
        check(
          'lambda-throttled',
          `function ${l.functionName} throttled the excess`,
          l.throttles > 0,
          'Throttles > 0',
          `${l.throttles} throttles`,
          `function ${l.functionName} recorded no throttles although ${exp.offeredConcurrency} concurrent requests exceeded its reserved concurrency ${reserved}`,
        ),
      );
    }
  } else {
    results.push(
      check(
        'lambda-concurrency-cap',
        `function ${l.functionName} stayed within reservedConcurrency`,
        l.maxConcurrentExecutions <= reserved,
        `max ConcurrentExecutions ≤ ${reserved}`,
        `max ConcurrentExecutions ${l.maxConcurrentExecutions}`,
        `function ${l.functionName} ran ${l.maxConcurrentExecutions} concurrent executions, above its reserved concurrency ${reserved}`,
      ),
    );
  }

  if (exp.clientThrottled !== undefined) {
    results.push(
      check(
        'throttles-accounted',
        'every 429 the client saw is a throttle the platform recorded',
        l.throttles >= exp.clientThrottled,
        `platform Throttles ≥ ${exp.clientThrottled} (429s counted by k6)`,
        `${l.throttles} throttles recorded`,
        `k6 counted ${exp.clientThrottled} responses with 429 but ${l.functionName} recorded only ${l.throttles} throttles`,
      ),
    );
  }
  return results;
}

export function allPassed(results: CheckResult[]): boolean {
  return results.every((r) => r.pass);
}
