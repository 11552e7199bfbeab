import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  type ScalingActivity,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  desiredFromDescription,
  metricWindow,
  observationFromAws,
  toActivityRecords,
  type AwsClients,
} from './aws';
import { nth } from './fixtures';
import { verify } from './rules';

const spec = PLATFORM_SPEC;
const endpointName = spec.endpoints.single.name;
const variantName = spec.endpoints.single.variantName;
const functionName = spec.invoker.functionName;
const resourceId = `endpoint/${endpointName}/variant/${variantName}`;
const start = Date.parse('2026-11-25T02:00:00Z');
const at = (min: number, s = 0) => new Date(start + min * 60_000 + s * 1000);

/** Shapes as Application Auto Scaling returns them for a SageMaker target-tracking policy. */
function activity(min: number, to: number, high: boolean, status = 'Successful'): ScalingActivity {
  const alarm = `TargetTracking-${resourceId}-Alarm${high ? 'High' : 'Low'}-0b7c2f1e-1d7b-4c1a-9a0c-7e1e0a3c${min}`;
  return {
    ActivityId: `a-${min}`,
    ServiceNamespace: 'sagemaker',
    ResourceId: resourceId,
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    Description: `Setting desired instance count to ${to}.`,
    Cause: `monitor alarm ${alarm} in state ALARM triggered policy ${endpointName}-invocations-target-tracking`,
    StartTime: at(min),
    EndTime: at(min, 45),
    StatusCode: status as ScalingActivity['StatusCode'],
    StatusMessage: `Successfully set desired instance count to ${to}. Change successfully fulfilled by sagemaker.`,
  };
}

const asMock = mockClient(ApplicationAutoScalingClient);
const smMock = mockClient(SageMakerClient);
const cwMock = mockClient(CloudWatchClient);
afterEach(() => {
  asMock.reset();
  smMock.reset();
  cwMock.reset();
});

function clients(): AwsClients {
  return {
    autoscaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
    sagemaker: new SageMakerClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  };
}

function record(activities: ScalingActivity[], current: number, concurrency: number[], throttles: number[]) {
  // Newest first, across two pages, as the API returns them.
  const sorted = [...activities].reverse();
  asMock
    .on(DescribeScalingActivitiesCommand, { ResourceId: resourceId, NextToken: undefined })
    .resolves({ ScalingActivities: sorted.slice(0, 2), NextToken: 'page2' })
    .on(DescribeScalingActivitiesCommand, { ResourceId: resourceId, NextToken: 'page2' })
    .resolves({ ScalingActivities: sorted.slice(2) });
  smMock.on(DescribeEndpointCommand, { EndpointName: endpointName }).resolves({
    EndpointName: endpointName,
    EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${endpointName}`,
    EndpointConfigName: `${endpointName}-config`,
    EndpointStatus: 'InService',
    CreationTime: at(-600),
    LastModifiedTime: at(0),
    ProductionVariants: [
      {
        VariantName: variantName,
        CurrentInstanceCount: current,
        DesiredInstanceCount: current,
        CurrentWeight: 1,
        DesiredWeight: 1,
      },
    ],
  });
  const ts = concurrency.map((_, i) => at(i));
  cwMock.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      {
        Id: 'concurrent',
        Label: 'ConcurrentExecutions',
        Timestamps: ts,
        Values: concurrency,
        StatusCode: 'Complete',
      },
      { Id: 'throttles', Label: 'Throttles', Timestamps: ts, Values: throttles, StatusCode: 'Complete' },
      {
        Id: 'ipi',
        Label: 'InvocationsPerInstance',
        Timestamps: ts,
        Values: concurrency.map((c) => c * 100),
        StatusCode: 'Complete',
      },
    ],
  });
}

const window = { start: start, end: start + 60 * 60_000 };
const target = { endpointName, variantName, functionName, window };

describe('the verifier on AWS (recorded-shape responses)', () => {
  it('passes when the variant scaled 1→2→4 then in, and the Lambda peaked at 7 with throttles', async () => {
    record(
      [activity(-30, 1, false), activity(5, 2, true), activity(9, 4, true), activity(40, 1, false)],
      1,
      [2, 7, 7, 6, 3],
      [0, 12, 30, 4, 0],
    );
    const obs = await observationFromAws(clients(), target);
    expect(obs.endpoint.activities.map((a) => [a.direction, a.toDesired])).toEqual([
      ['out', 2],
      ['out', 4],
      ['in', 1],
    ]);
    expect(obs.endpoint.instanceSeries[0]).toEqual({ t: window.start, instances: 1 });
    expect(obs.lambda).toMatchObject({ maxConcurrentExecutions: 7, throttles: 46 });
    const results = verify(spec, obs, { offeredConcurrency: 14, expectScaleIn: true });
    expect(results.filter((r) => !r.pass)).toEqual([]);
    // The right questions were asked.
    expect(nth(asMock.commandCalls(DescribeScalingActivitiesCommand), 0).args[0].input).toMatchObject({
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    });
    const queries = nth(cwMock.commandCalls(GetMetricDataCommand), 0).args[0].input.MetricDataQueries ?? [];
    expect(queries.map((q) => [q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat])).toEqual([
      ['ConcurrentExecutions', 'Maximum'],
      ['Throttles', 'Sum'],
      ['InvocationsPerInstance', 'Sum'],
    ]);
  });

  it('fails with a clear message when only 3 instances were reached', async () => {
    record([activity(5, 2, true), activity(9, 3, true)], 3, [7, 7], [5, 9]);
    const obs = await observationFromAws(clients(), target);
    const results = verify(spec, obs, { offeredConcurrency: 14, expectScaleIn: false });
    const failed = results.filter((r) => !r.pass);
    expect(failed.map((r) => r.id)).toEqual(['max-instances-reached']);
    expect(nth(failed, 0).message).toBe(
      `endpoint ${endpointName} reached only 3 instances, expected 4 (spec autoscaling.maxInstances): ` +
        `the load did not drive InvocationsPerInstance above the target (300) long enough, or scale-out failed`,
    );
  });

  it('fails when scale-outs came faster than the 30 s cooldown', async () => {
    record(
      [activity(5, 2, true), { ...activity(5, 4, true), StartTime: at(5, 20), EndTime: at(6) }],
      4,
      [7],
      [1],
    );
    const obs = await observationFromAws(clients(), target);
    const r = verify(spec, obs, { expectScaleIn: false }).find((x) => x.id === 'scale-out-cooldown');
    if (!r) throw new Error('no scale-out-cooldown check');
    expect(r.pass).toBe(false);
    expect(r.message).toMatch(/only 20\.0 s apart; the scale-out cooldown is 30\.0 s/);
  });

  it('fails when the Lambda was never throttled although 14 requests were offered', async () => {
    record([activity(5, 4, true)], 4, [5, 6], [0, 0]);
    const obs = await observationFromAws(clients(), target);
    const failed = verify(spec, obs, { offeredConcurrency: 14, expectScaleIn: false }).filter((r) => !r.pass);
    expect(failed.map((r) => r.id)).toEqual(['lambda-max-concurrency', 'lambda-throttled']);
  });

  it('rejects an endpoint without the spec variant', async () => {
    record([], 1, [], []);
    smMock
      .on(DescribeEndpointCommand)
      .resolves({ EndpointName: endpointName, ProductionVariants: [{ VariantName: 'Other' }] } as never);
    await expect(observationFromAws(clients(), target)).rejects.toThrow(/has no variant AllTraffic/);
  });
});

describe('activity parsing', () => {
  it('reads the desired count from the description', () => {
    expect(desiredFromDescription('Setting desired instance count to 4.')).toBe(4);
    expect(desiredFromDescription('something else')).toBeUndefined();
  });

  it('skips failed activities and keeps the count in force before the window', () => {
    const { records, desiredAtStart, fulfilled } = toActivityRecords(
      [activity(-10, 2, true), activity(3, 3, true, 'Failed'), activity(4, 4, true, 'InProgress')],
      window,
    );
    expect(desiredAtStart).toBe(2);
    expect(records).toHaveLength(1);
    expect(nth(records, 0)).toMatchObject({ fromDesired: 2, toDesired: 4, direction: 'out' });
    expect(fulfilled).toEqual([]);
  });
});

describe('metricWindow', () => {
  it('widens the run to whole minutes, at least one, so GetMetricData never gets start = end', () => {
    const t = Date.UTC(2026, 0, 1, 10, 0, 30);
    expect(metricWindow({ start: t, end: t })).toEqual({
      start: new Date(Date.UTC(2026, 0, 1, 10, 0)),
      end: new Date(Date.UTC(2026, 0, 1, 10, 1)),
    });
    expect(metricWindow({ start: t, end: t + 125_000 })).toEqual({
      start: new Date(Date.UTC(2026, 0, 1, 10, 0)),
      end: new Date(Date.UTC(2026, 0, 1, 10, 3)),
    });
  });
});
