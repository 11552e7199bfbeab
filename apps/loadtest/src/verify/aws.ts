import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  type ScalingActivity,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ActivityRecord, InstancePoint, Observation, ValuePoint } from './observation';

export interface AwsClients {
  autoscaling: ApplicationAutoScalingClient;
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
}

export function awsClients(region: string): AwsClients {
  return {
    autoscaling: new ApplicationAutoScalingClient({ region }),
    sagemaker: new SageMakerClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
  };
}

export interface AwsTarget {
  endpointName: string;
  variantName: string;
  functionName: string;
  window: { start: number; end: number };
}

/** "Setting desired instance count to 4." → 4 */
export function desiredFromDescription(description: string | undefined): number | undefined {
  const m = /desired instance count to (\d+)/i.exec(description ?? '');
  return m ? Number(m[1]) : undefined;
}

const COUNTED = new Set(['Successful', 'InProgress']);

/** Scaling activities of the variant, oldest first (all pages). */
async function listActivities(
  c: ApplicationAutoScalingClient,
  resourceId: string,
): Promise<ScalingActivity[]> {
  const out: ScalingActivity[] = [];
  let NextToken: string | undefined;
  do {
    const page = await c.send(
      new DescribeScalingActivitiesCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        NextToken,
      }),
    );
    out.push(...(page.ScalingActivities ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => (a.StartTime?.getTime() ?? 0) - (b.StartTime?.getTime() ?? 0));
}

/**
 * Activities as records: direction from the target-tracking alarm (AlarmHigh = out, AlarmLow = in), else from the
 * change of desired count. Returns records within the window and the desired count in force when it began.
 */
export function toActivityRecords(
  activities: ScalingActivity[],
  window: { start: number; end: number },
): { records: ActivityRecord[]; fulfilled: InstancePoint[]; desiredAtStart: number | undefined } {
  let previous: number | undefined;
  let desiredAtStart: number | undefined;
  const records: ActivityRecord[] = [];
  const fulfilled: InstancePoint[] = [];
  for (const act of activities) {
    if (!act.StatusCode || !COUNTED.has(act.StatusCode)) continue;
    const to = desiredFromDescription(act.Description);
    const t = act.StartTime?.getTime();
    if (to === undefined || t === undefined) continue;
    if (t < window.start) {
      previous = to;
      desiredAtStart = to;
      continue;
    }
    if (t > window.end) break;
    const cause = act.Cause ?? '';
    const direction: ActivityRecord['direction'] = /AlarmHigh/.test(cause)
      ? 'out'
      : /AlarmLow/.test(cause)
        ? 'in'
        : previous !== undefined && to < previous
          ? 'in'
          : 'out';
    records.push({ t, direction, fromDesired: previous, toDesired: to, cause });
    if (act.StatusCode === 'Successful') fulfilled.push({ t: act.EndTime?.getTime() ?? t, instances: to });
    previous = to;
  }
  return { records, fulfilled, desiredAtStart };
}

function series(result: MetricDataResult | undefined): ValuePoint[] {
  if (!result) return [];
  const ts = result.Timestamps ?? [];
  const vs = result.Values ?? [];
  return ts.map((t, i) => ({ t: t.getTime(), value: vs[i] ?? 0 })).sort((a, b) => a.t - b.t);
}

/** One metric period (the queries' `Period`). */
const PERIOD_MS = 60_000;

/**
 * The run window widened to whole metric periods: GetMetricData refuses a window whose start is not before its end
 * (a run shorter than the timestamps' resolution), and a partial period at either end holds no datapoint.
 */
export function metricWindow(window: { start: number; end: number }): { start: Date; end: Date } {
  const start = Math.floor(window.start / PERIOD_MS) * PERIOD_MS;
  const end = Math.max(Math.ceil(window.end / PERIOD_MS) * PERIOD_MS, start + PERIOD_MS);
  return { start: new Date(start), end: new Date(end) };
}

async function metricData(c: CloudWatchClient, t: AwsTarget): Promise<Map<string, MetricDataResult>> {
  const range = metricWindow(t.window);
  const results = new Map<string, MetricDataResult>();
  let NextToken: string | undefined;
  do {
    const page = await c.send(
      new GetMetricDataCommand({
        StartTime: range.start,
        EndTime: range.end,
        ScanBy: 'TimestampAscending',
        NextToken,
        MetricDataQueries: [
          {
            Id: 'concurrent',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'ConcurrentExecutions',
                Dimensions: [{ Name: 'FunctionName', Value: t.functionName }],
              },
              Period: PERIOD_MS / 1000,
              Stat: 'Maximum',
            },
          },
          {
            Id: 'throttles',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Throttles',
                Dimensions: [{ Name: 'FunctionName', Value: t.functionName }],
              },
              Period: PERIOD_MS / 1000,
              Stat: 'Sum',
            },
          },
          {
            Id: 'ipi',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SageMaker',
                MetricName: 'InvocationsPerInstance',
                Dimensions: [
                  { Name: 'EndpointName', Value: t.endpointName },
                  { Name: 'VariantName', Value: t.variantName },
                ],
              },
              Period: PERIOD_MS / 1000,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    for (const r of page.MetricDataResults ?? []) {
      const prev = results.get(r.Id ?? '');
      results.set(
        r.Id ?? '',
        prev
          ? {
              ...prev,
              Timestamps: [...(prev.Timestamps ?? []), ...(r.Timestamps ?? [])],
              Values: [...(prev.Values ?? []), ...(r.Values ?? [])],
            }
          : r,
      );
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return results;
}

/** What AWS recorded: scaling activities, the endpoint's instance count, Lambda concurrency and throttles. */
export async function observationFromAws(clients: AwsClients, t: AwsTarget): Promise<Observation> {
  const resourceId = `endpoint/${t.endpointName}/variant/${t.variantName}`;
  const [activities, endpoint, metrics] = await Promise.all([
    listActivities(clients.autoscaling, resourceId),
    clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: t.endpointName })),
    metricData(clients.cloudwatch, t),
  ]);
  const variant = endpoint.ProductionVariants?.find((v) => v.VariantName === t.variantName);
  if (!variant) throw new Error(`endpoint ${t.endpointName} has no variant ${t.variantName}`);
  const current = variant.CurrentInstanceCount ?? 0;
  const { records, fulfilled, desiredAtStart } = toActivityRecords(activities, t.window);
  const startCount =
    desiredAtStart ?? records[0]?.fromDesired ?? (records.length === 0 ? current : undefined);
  const instanceSeries: InstancePoint[] = [
    ...(startCount !== undefined ? [{ t: t.window.start, instances: startCount }] : []),
    ...fulfilled,
    { t: t.window.end, instances: current },
  ];
  const concurrency = series(metrics.get('concurrent'));
  const throttles = series(metrics.get('throttles'));
  return {
    source: 'aws',
    timeScale: 1,
    window: t.window,
    endpoint: {
      name: t.endpointName,
      instanceSeries,
      activities: records,
      currentInstances: current,
      invocationsPerInstance: series(metrics.get('ipi')),
    },
    lambda: {
      functionName: t.functionName,
      maxConcurrentExecutions: Math.max(0, ...concurrency.map((p) => p.value)),
      throttles: throttles.reduce((s, p) => s + p.value, 0),
      concurrencySeries: concurrency,
      throttleSeries: throttles,
    },
  };
}
