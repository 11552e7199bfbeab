/**
 * The rollout section: SageMaker's DeploymentConfig bounds, alarms that can fire within their bake, fleets that
 * can hold a canary, and data-capture records in SageMaker's format.
 */
import { describe, expect, it } from 'vitest';
import {
  buildSpec,
  capturedBytes,
  dataCaptureFolder,
  DataCaptureRecordSchema,
  PLATFORM_SPEC,
  rollbackAlarmName,
  rolloutSteps,
  SAGEMAKER_GUARDRAILS,
} from '../index.js';

const canary = (deployment: object) => ({
  endpoints: { single: { deployment: { mode: 'canary', ...deployment } } },
});

describe('deployment spec', () => {
  it('defaults to all-at-once with a bake and four rollback alarms on both endpoints', () => {
    for (const ep of [PLATFORM_SPEC.endpoints.single, PLATFORM_SPEC.endpoints.multi]) {
      expect(ep.deployment.mode).toBe('all-at-once');
      expect(ep.deployment.bakeSeconds).toBeGreaterThan(0);
      expect(Object.keys(ep.deployment.rollbackAlarms).sort()).toEqual([
        'errors5xx',
        'invokerErrorRatePercent',
        'lowQualityPercent',
        'modelLatencyP90Ms',
      ]);
    }
  });

  it('accepts a canary on a fleet of two', () => {
    const spec = buildSpec(
      { autoscaling: { minInstances: 2 }, endpoints: { single: { initialInstanceCount: 2 } } },
      canary({}),
    );
    expect(spec.endpoints.single.deployment.mode).toBe('canary');
  });

  it.each([
    ['a canary on a one-instance fleet', canary({}), 'endpoints.single.deployment.mode'],
    [
      'a canary over half the fleet',
      canary({ canaryPercent: 60 }),
      'endpoints.single.deployment.canaryPercent',
    ],
    [
      'a linear step under 10 %',
      { endpoints: { multi: { deployment: { linearStepPercent: 5 } } } },
      'endpoints.multi.deployment.linearStepPercent',
    ],
    [
      'a bake over SageMaker’s hour',
      { endpoints: { single: { deployment: { bakeSeconds: 4000 } } } },
      'endpoints.single.deployment.bakeSeconds',
    ],
    [
      'an alarm that cannot fire within the bake',
      { endpoints: { single: { deployment: { bakeSeconds: 60 } } } },
      'endpoints.single.deployment.rollbackAlarms.modelLatencyP90Ms.evaluationPeriods',
    ],
    [
      'an alarm period CloudWatch does not have',
      { endpoints: { single: { deployment: { rollbackAlarms: { errors5xx: { periodSeconds: 45 } } } } } },
      'endpoints.single.deployment.rollbackAlarms.errors5xx.periodSeconds',
    ],
    [
      'a 30 s alarm period on 1-minute metrics',
      { endpoints: { single: { deployment: { rollbackAlarms: { errors5xx: { periodSeconds: 30 } } } } } },
      'endpoints.single.deployment.rollbackAlarms.errors5xx.periodSeconds',
    ],
    [
      'a canary on a fleet an off-hours window shrinks to one',
      {
        autoscaling: {
          minInstances: 2,
          schedule: [{ name: 'night', start: '0 20 * * *', end: '0 7 * * *', minInstances: 1 }],
        },
        endpoints: { single: { initialInstanceCount: 2, deployment: { mode: 'canary' } } },
      },
      'endpoints.single.deployment.mode',
    ],
    [
      'an error rate over 100 %',
      {
        endpoints: {
          single: { deployment: { rollbackAlarms: { invokerErrorRatePercent: { threshold: 120 } } } },
        },
      },
      'endpoints.single.deployment.rollbackAlarms.invokerErrorRatePercent.threshold',
    ],
    [
      'a time limit shorter than the bakes',
      { endpoints: { single: { deployment: { bakeSeconds: 3600, maxExecutionSeconds: 3600 } } } },
      'endpoints.single.deployment.maxExecutionSeconds',
    ],
    [
      'a rollout longer than the deploy job’s session',
      { endpoints: { multi: { deployment: { maxExecutionSeconds: 14000 } } } },
      'endpoints.multi.deployment.maxExecutionSeconds',
    ],
  ])('%s fails naming %s', (_name, override, path) => {
    expect(() => buildSpec(override)).toThrow(new RegExp(`${path.replace(/\./g, '\\.')}:`));
  });

  it('takes its bounds from the one guardrails table', () => {
    const at = (maxExecutionSeconds: number) => ({
      ci: { roles: { deployEndpoints: { maxSessionSeconds: 43200 } } },
      endpoints: { single: { deployment: { maxExecutionSeconds } } },
    });
    expect(
      buildSpec(at(SAGEMAKER_GUARDRAILS.maxExecutionSeconds.max)).endpoints.single.deployment
        .maxExecutionSeconds,
    ).toBe(28800);
    expect(() => buildSpec(at(SAGEMAKER_GUARDRAILS.maxExecutionSeconds.max + 1))).toThrow(
      /maxExecutionSeconds: must be an integer 600-28800/,
    );
    expect(rollbackAlarmName('dogbreed-serving', 'dogbreed-single-instance', 'errors5xx')).toBe(
      'dogbreed-serving-dogbreed-single-instance-rollback-5xx',
    );
  });

  it('counts the traffic shifts of each mode', () => {
    expect(rolloutSteps({ mode: 'all-at-once', linearStepPercent: 10 })).toBe(1);
    expect(rolloutSteps({ mode: 'canary', linearStepPercent: 10 })).toBe(2);
    expect(rolloutSteps({ mode: 'linear', linearStepPercent: 25 })).toBe(4);
    expect(rolloutSteps({ mode: 'linear', linearStepPercent: 30 })).toBe(4);
  });

  it('holds replay thresholds and data capture', () => {
    expect(PLATFORM_SPEC.rollout.replay.minTop1Agreement).toBeGreaterThan(0);
    expect(PLATFORM_SPEC.rollout.dataCapture.samplingPercent).toBe(20);
    expect(() => buildSpec({ rollout: { dataCapture: { samplingPercent: 101 } } })).toThrow(
      /rollout\.dataCapture\.samplingPercent:/,
    );
  });
});

describe('data capture records', () => {
  it('parse SageMaker’s format and give back the payload bytes', () => {
    const image = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]);
    const line = JSON.stringify({
      captureData: {
        endpointInput: {
          observedContentType: 'image/jpeg',
          mode: 'INPUT',
          data: image.toString('base64'),
          encoding: 'BASE64',
        },
        endpointOutput: {
          observedContentType: 'application/json',
          mode: 'OUTPUT',
          data: '{"predictions":[]}',
          encoding: 'JSON',
        },
      },
      eventMetadata: { eventId: 'a1', inferenceTime: '2026-11-30T01:02:03Z' },
      eventVersion: '0',
    });
    const { endpointInput, endpointOutput } = DataCaptureRecordSchema.parse(JSON.parse(line)).captureData;
    if (!endpointInput || !endpointOutput) throw new Error('the record lost a payload');
    expect(capturedBytes(endpointInput)).toEqual(image);
    expect(capturedBytes(endpointOutput).toString()).toBe('{"predictions":[]}');
  });

  it('lay out folders by endpoint, variant and UTC hour', () => {
    expect(
      dataCaptureFolder('dogbreed-single-instance', 'AllTraffic', new Date('2026-01-02T03:04:05Z')),
    ).toBe('dogbreed-single-instance/AllTraffic/2026/01/02/03');
  });
});
