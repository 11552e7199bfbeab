import { LOCAL_METRICS_PATH, LocalMetricsSchema, type LocalMetrics } from '@dogbreed/platform-spec';
import type { Observation } from './observation';

export interface Window {
  start: number;
  end: number;
}

/** Reads the local stack's metrics API (validated against the shared contract). */
export async function fetchLocalMetrics(
  baseUrl: string,
  fetchImpl: typeof fetch = fetch,
): Promise<LocalMetrics> {
  const url = `${baseUrl.replace(/\/$/, '')}${LOCAL_METRICS_PATH}`;
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered HTTP ${res.status}`);
  const parsed = LocalMetricsSchema.safeParse(await res.json());
  if (!parsed.success)
    throw new Error(`GET ${url} does not match LocalMetricsSchema: ${parsed.error.message}`);
  return parsed.data;
}

/** The local metrics, restricted to `window` when given, as an Observation of `endpointName`. */
export function observationFromLocal(m: LocalMetrics, endpointName: string, window?: Window): Observation {
  const ep = m.endpoints.find((e) => e.name === endpointName);
  if (!ep)
    throw new Error(
      `the local stack has no endpoint ${endpointName} (it has ${m.endpoints.map((e) => e.name).join(', ')})`,
    );
  const w = window ?? { start: m.startedAt, end: m.now };
  const inWindow = (t: number) => t >= w.start && t <= w.end + m.periodMs;
  const series = ep.series.filter((p) => inWindow(p.t));
  const lambdaSeries = m.lambda.series.filter((p) => inWindow(p.t));
  const windowed = window !== undefined;
  return {
    source: 'local',
    timeScale: m.timeScale,
    window: w,
    endpoint: {
      name: ep.name,
      instanceSeries: series.map((p) => ({ t: p.t, instances: p.instances })),
      activities: ep.scalingActivities.filter((a) => inWindow(a.t)).map((a) => ({ ...a })),
      currentInstances: ep.instances.filter((i) => i.state === 'InService').length,
      invocationsPerInstance: series.map((p) => ({ t: p.t, value: p.invocationsPerInstance })),
    },
    lambda: {
      functionName: m.lambda.functionName,
      // Lifetime figures when the whole life of the stack is the window; per-period maxima otherwise.
      maxConcurrentExecutions: windowed
        ? Math.max(0, ...lambdaSeries.map((p) => p.concurrentExecutions))
        : Math.max(m.lambda.maxConcurrentExecutions, ...lambdaSeries.map((p) => p.concurrentExecutions)),
      throttles: windowed ? lambdaSeries.reduce((s, p) => s + p.throttles, 0) : m.lambda.totalThrottles,
      concurrencySeries: lambdaSeries.map((p) => ({ t: p.t, value: p.concurrentExecutions })),
      throttleSeries: lambdaSeries.map((p) => ({ t: p.t, value: p.throttles })),
    },
  };
}
