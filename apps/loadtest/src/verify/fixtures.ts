import type { Observation } from './observation';

/** A healthy time-scaled run (time scale 60: cooldowns 0.5 s out / 5 s in) used by the rule and report tests. */
export function goodObservation(): Observation {
  const t0 = 1_700_000_000_000;
  return {
    source: 'local',
    timeScale: 60,
    window: { start: t0, end: t0 + 40_000 },
    endpoint: {
      name: 'dogbreed-single-instance',
      instanceSeries: [1, 1, 1, 2, 4, 4, 4, 4, 4, 1].map((n, i) => ({ t: t0 + i * 4000, instances: n })),
      activities: [
        { t: t0 + 10_000, direction: 'out', fromDesired: 1, toDesired: 2, cause: 'AlarmHigh' },
        { t: t0 + 13_000, direction: 'out', fromDesired: 2, toDesired: 4, cause: 'AlarmHigh' },
        { t: t0 + 34_000, direction: 'in', fromDesired: 4, toDesired: 1, cause: 'AlarmLow' },
      ],
      currentInstances: 1,
      invocationsPerInstance: [0, 5, 30, 28, 12, 8, 8, 2, 1, 1].map((v, i) => ({
        t: t0 + i * 4000,
        value: v,
      })),
    },
    lambda: {
      functionName: 'dogbreed-invoker',
      maxConcurrentExecutions: 7,
      throttles: 42,
      concurrencySeries: [0, 3, 7, 7, 2].map((v, i) => ({ t: t0 + 20_000 + i * 1000, value: v })),
      throttleSeries: [0, 10, 20, 12, 0].map((v, i) => ({ t: t0 + 20_000 + i * 1000, value: v })),
    },
  };
}

/** The i-th element, or a test failure (no non-null assertions in tests). */
export function nth<T>(items: readonly T[], i: number): T {
  const v = i < 0 ? items[items.length + i] : items[i];
  if (v === undefined) throw new Error(`no element ${i} (length ${items.length})`);
  return v;
}
