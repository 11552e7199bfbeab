/** The drift alarms in a template: one per endpoint and figure, the spec's thresholds, on the topic; bad props. */
import { App, aws_sns as sns, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_SPEC, type DriftSpec } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { InfraPropsError } from '../errors.js';
import { DriftAlarms } from './drift-alarms.js';

function synth(drift: DriftSpec = DEFAULT_SPEC.rollout.drift, endpointNames = ['ep-single', 'ep-multi']) {
  const stack = new Stack(new App(), 'drift');
  const topic = new sns.Topic(stack, 'Topic');
  new DriftAlarms(stack, 'Drift', { drift, projectName: 'dogbreed', endpointNames, alarmTopic: topic });
  return Template.fromStack(stack);
}

describe('DriftAlarms', () => {
  it('alarms on each published figure past the spec threshold, per endpoint, on the topic', () => {
    const t = synth();
    t.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    const d = DEFAULT_SPEC.rollout.drift;
    for (const [metric, threshold] of [
      ['ClassMixPsi', d.maxClassMixPsi],
      ['ConfidencePsi', d.maxConfidencePsi],
      ['NotADogRateIncrease', d.maxNotADogRateIncrease],
    ] as const)
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'dogbreed/Drift',
        MetricName: metric,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        Period: d.windowHours * 3600,
        Dimensions: Match.arrayWith([
          { Name: 'EndpointName', Value: 'ep-single' },
          { Name: 'VariantName', Value: 'all' },
        ]),
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      });
  });

  it('refuses a drift spec the schema refuses, or no endpoint', () => {
    expect(() => synth({ ...DEFAULT_SPEC.rollout.drift, maxClassMixPsi: -1 })).toThrow(InfraPropsError);
    expect(() => synth(DEFAULT_SPEC.rollout.drift, [])).toThrow(/endpointNames/);
  });
});
