/**
 * The invoker construct writes the handler's whole configuration: the handler reads every name in `INVOKER_ENV`
 * and nothing of the platform spec, so a name missing from the synthesized function's environment would fail every
 * cold start. The values are the spec's, through `invokerSettingsEnv`.
 */
import { App, Stack, aws_ec2 as ec2, aws_lambda as lambda, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { INVOKER_ENV, PLATFORM_SPEC, type PlatformSpec } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { testInputs } from '../testing/inputs.js';
import { Invoker, type InvokerMetricSource } from './invoker.js';

const ENDPOINTS = {
  single: {
    endpointName: 'ep-single',
    endpointArn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-single',
  },
  multi: {
    endpointName: 'ep-multi',
    endpointArn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-multi',
  },
};

/** The synthesized function's Environment.Variables. */
function environment(
  spec: PlatformSpec,
  opts: { bucket?: boolean; metricSource?: InvokerMetricSource } = {},
) {
  const stack = new Stack(new App(), 'T', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new Invoker(stack, 'Invoker', {
    invoker: spec.invoker,
    code: lambda.Code.fromAsset(testInputs().invokerBundleDir),
    endpoints: ENDPOINTS,
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    ...(opts.bucket ? { inputBucket: new s3.Bucket(stack, 'Inputs') } : {}),
    ...(opts.metricSource ? { metricSource: opts.metricSource } : {}),
  });
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
    .Environment.Variables;
}

const withInput = specWith({ invoker: { s3Input: { enabled: true, prefix: 'uploads/' } } });

describe('Invoker environment', () => {
  it('sets every variable the handler reads (all of INVOKER_ENV) when the s3Uri input is on', () => {
    const vars = environment(withInput, { bucket: true });
    const missing = Object.values(INVOKER_ENV).filter((name) => vars[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('leaves out only the input bucket (which turns the s3Uri input on) when that input is off', () => {
    const vars = environment(PLATFORM_SPEC);
    const missing = Object.values(INVOKER_ENV).filter((name) => vars[name] === undefined);
    expect(missing).toEqual([INVOKER_ENV.inputBucket]);
  });

  it("writes the spec's numbers and the endpoints' names", () => {
    const spec = specWith({
      invoker: { maxTopK: 9, defaultTopK: 4, maxImageBytes: 123_456, maxAttempts: 3 },
    });
    expect(environment(spec)).toMatchObject({
      [INVOKER_ENV.endpointSingle]: 'ep-single',
      [INVOKER_ENV.endpointMulti]: 'ep-multi',
      [INVOKER_ENV.defaultEndpoint]: 'single',
      [INVOKER_ENV.maxTopK]: '9',
      [INVOKER_ENV.defaultTopK]: '4',
      [INVOKER_ENV.maxImageBytes]: '123456',
      [INVOKER_ENV.maxRequestBytes]: String(spec.invoker.maxRequestBytes),
      [INVOKER_ENV.maxAttempts]: '3',
      [INVOKER_ENV.endpointTimeoutMs]: String(spec.invoker.endpointTimeoutMs),
      [INVOKER_ENV.inputPrefix]: spec.invoker.s3Input.prefix,
    });
  });

  it('publishes metrics where the metric source says, else under the default project and the function name', () => {
    expect(
      environment(PLATFORM_SPEC, { metricSource: { namespace: 'ns', serviceName: 'svc' } }),
    ).toMatchObject({
      [INVOKER_ENV.metricNamespace]: 'ns',
      [INVOKER_ENV.serviceName]: 'svc',
    });
    expect(environment(PLATFORM_SPEC)).toMatchObject({
      [INVOKER_ENV.metricNamespace]: PLATFORM_SPEC.project.name,
      [INVOKER_ENV.serviceName]: PLATFORM_SPEC.invoker.functionName,
    });
  });
});
