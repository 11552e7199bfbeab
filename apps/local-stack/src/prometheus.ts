/** `GET /metrics`: the metrics API in Prometheus text exposition format (version 0.0.4), pure. */
import type { LocalMetrics } from '@dogbreed/platform-spec';

export interface Totals {
  readonly endpoints: Readonly<
    Record<string, { invocations: number; errors4xx: number; errors5xx: number; retries: number }>
  >;
  readonly lambda: { readonly invocations: number; readonly errors: number; readonly coldStarts: number };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderPrometheus(m: LocalMetrics, totals: Totals): string {
  const out: string[] = [];
  const family = (
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: [Record<string, string>, number][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  const states = ['Pending', 'InService', 'Draining', 'Failed', 'Terminated'] as const;
  family(
    'dogbreed_endpoint_instances',
    'gauge',
    'Instances of the endpoint variant by state.',
    m.endpoints.flatMap((e) =>
      states.map((s): [Record<string, string>, number] => [
        { endpoint: e.name, state: s },
        e.instances.filter((i) => i.state === s).length,
      ]),
    ),
  );
  family(
    'dogbreed_endpoint_desired_instances',
    'gauge',
    'Desired instance count set by target tracking.',
    m.endpoints.map((e) => [{ endpoint: e.name }, e.desiredInstances]),
  );
  family(
    'dogbreed_endpoint_in_flight_requests',
    'gauge',
    'Requests being served now.',
    m.endpoints.map((e) => [{ endpoint: e.name }, e.instances.reduce((n, i) => n + i.inFlight, 0)]),
  );
  family(
    'dogbreed_endpoint_invocations_total',
    'counter',
    'Invocations that reached an instance.',
    m.endpoints.map((e) => [{ endpoint: e.name }, totals.endpoints[e.name]?.invocations ?? 0]),
  );
  family(
    'dogbreed_endpoint_invocation_errors_total',
    'counter',
    'Invocations the container answered with 4xx/5xx.',
    m.endpoints.flatMap((e): [Record<string, string>, number][] => [
      [{ endpoint: e.name, class: '4xx' }, totals.endpoints[e.name]?.errors4xx ?? 0],
      [{ endpoint: e.name, class: '5xx' }, totals.endpoints[e.name]?.errors5xx ?? 0],
    ]),
  );
  family(
    'dogbreed_endpoint_retries_total',
    'counter',
    'Requests retried on another instance after the first one was unreachable.',
    m.endpoints.map((e) => [{ endpoint: e.name }, totals.endpoints[e.name]?.retries ?? 0]),
  );
  family(
    'dogbreed_endpoint_invocations_per_instance',
    'gauge',
    'InvocationsPerInstance of the last closed period (per minute).',
    m.endpoints.map((e) => [{ endpoint: e.name }, e.series.at(-1)?.invocationsPerInstance ?? 0]),
  );
  family(
    'dogbreed_endpoint_model_latency_ms',
    'gauge',
    'ModelLatency percentiles of the last closed period.',
    m.endpoints.flatMap((e): [Record<string, string>, number][] => [
      [{ endpoint: e.name, quantile: '0.5' }, e.series.at(-1)?.modelLatencyP50Ms ?? 0],
      [{ endpoint: e.name, quantile: '0.95' }, e.series.at(-1)?.modelLatencyP95Ms ?? 0],
    ]),
  );
  family(
    'dogbreed_endpoint_scaling_activities_total',
    'counter',
    'Scaling activities by direction.',
    m.endpoints.flatMap((e) =>
      (['out', 'in', 'replace'] as const).map((d): [Record<string, string>, number] => [
        { endpoint: e.name, direction: d },
        e.scalingActivities.filter((a) => a.direction === d).length,
      ]),
    ),
  );
  const fn = { function: m.lambda.functionName };
  family('dogbreed_lambda_reserved_concurrency', 'gauge', 'Reserved concurrency of the function.', [
    [fn, m.lambda.reservedConcurrency],
  ]);
  family(
    'dogbreed_lambda_concurrent_executions',
    'gauge',
    'ConcurrentExecutions (max) of the last closed period.',
    [[fn, m.lambda.series.at(-1)?.concurrentExecutions ?? 0]],
  );
  family('dogbreed_lambda_max_concurrent_executions', 'gauge', 'Highest concurrent executions since start.', [
    [fn, m.lambda.maxConcurrentExecutions],
  ]);
  family('dogbreed_lambda_invocations_total', 'counter', 'Invocations that ran.', [
    [fn, totals.lambda.invocations],
  ]);
  family('dogbreed_lambda_errors_total', 'counter', 'Invocations that ended in a function error.', [
    [fn, totals.lambda.errors],
  ]);
  family('dogbreed_lambda_throttles_total', 'counter', 'Invocations throttled (429).', [
    [fn, m.lambda.totalThrottles],
  ]);
  family('dogbreed_lambda_cold_starts_total', 'counter', 'New execution environments started.', [
    [fn, totals.lambda.coldStarts],
  ]);
  return `${out.join('\n')}\n`;
}
