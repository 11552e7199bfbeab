/** SageMaker's control-plane operations: records, the update's plan, and each ValidationException SageMaker gives. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { METADATA_FILE, MODEL_FILE, type PlatformSpec } from '@dogbreed/platform-spec';
import { sampleMetadata, specWith } from '@dogbreed/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsApiError } from '../errors.js';
import {
  alarmMetricFor,
  ControlPlane,
  deploymentPlanInput,
  modelDataDir,
  type ControlledEndpoint,
  type ShadowUpdateRequest,
  type UpdateRequest,
} from './control-plane.js';

const root = mkdtempSync(join(tmpdir(), 'control-plane-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function modelDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_FILE), 'onnx');
  writeFileSync(join(dir, METADATA_FILE), JSON.stringify(sampleMetadata(['a', 'b'])));
  return dir;
}

const spec: PlatformSpec = specWith({
  autoscaling: { minInstances: 2 },
  endpoints: { single: { initialInstanceCount: 2 }, multi: { initialInstanceCount: 2 } },
  localStack: { timeScale: 60 },
});

class FakeEndpoint implements ControlledEndpoint {
  readonly updates: UpdateRequest[] = [];
  readonly shadowUpdates: ShadowUpdateRequest[] = [];
  state = 'InService';
  fleetSize = 2;
  servingModelName = 'blue-model';
  hasShadow = false;
  updateShadow(request: ShadowUpdateRequest): void {
    this.shadowUpdates.push(request);
    this.hasShadow = request.shadow !== undefined;
  }
  readonly endpoint = spec.endpoints.single;
  readonly name = spec.endpoints.single.name;
  status(): string {
    return this.state;
  }
  update(request: UpdateRequest): void {
    this.updates.push(request);
    this.state = 'Updating';
  }
  describe(arn: string): Record<string, unknown> {
    return { EndpointName: this.name, EndpointArn: arn, EndpointStatus: this.state };
  }
}

let endpoint: FakeEndpoint;
let plane: ControlPlane;

function refusal(op: string, body: unknown): string {
  try {
    plane.handle(op, body);
  } catch (err) {
    expect(err).toBeInstanceOf(AwsApiError);
    expect((err as AwsApiError).errorType).toBe('ValidationException');
    expect((err as AwsApiError).statusCode).toBe(400);
    return (err as AwsApiError).message;
  }
  throw new Error(`${op} was not refused`);
}

function createConfig(name: string, variant = 'AllTraffic', model = 'green'): void {
  plane.handle('CreateEndpointConfig', {
    EndpointConfigName: name,
    ProductionVariants: [
      { VariantName: variant, ModelName: model, InitialInstanceCount: 2, InstanceType: 'ml.m5.large' },
    ],
  });
}

beforeEach(() => {
  endpoint = new FakeEndpoint();
  plane = new ControlPlane({ spec, endpoints: () => [endpoint], now: () => 1_000_000 });
  plane.registerInitial(endpoint.endpoint, modelDir('blue'), 'blue-config', 'blue-model');
  plane.handle('CreateModel', {
    ModelName: 'green',
    PrimaryContainer: { ModelDataUrl: pathToFileURL(modelDir('green')).href },
    ExecutionRoleArn: 'arn:aws:iam::000000000000:role/ignored',
  });
});

describe('models and endpoint configs', () => {
  it('CreateModel takes an absolute dir or a file:// URL and checks the model-dir contract', () => {
    expect(modelDataDir('file:///tmp/m')).toBe('/tmp/m');
    expect(modelDataDir('/tmp/m')).toBe('/tmp/m');
    expect(modelDataDir('s3://bucket/model.tar.gz')).toBeUndefined();
    expect(
      plane.handle('CreateModel', { ModelName: 'g2', PrimaryContainer: { ModelDataUrl: modelDir('g2') } }),
    ).toEqual({ ModelArn: `arn:aws:sagemaker:us-east-1:000000000000:model/g2` });
    expect(
      refusal('CreateModel', { ModelName: 'x', PrimaryContainer: { ModelDataUrl: 's3://b/k.tar.gz' } }),
    ).toMatch(/Could not access model data at s3:\/\/b\/k\.tar\.gz/);
    expect(
      refusal('CreateModel', { ModelName: 'x', PrimaryContainer: { ModelDataUrl: join(root, 'none') } }),
    ).toMatch(/Could not find model data .*model\.onnx and metadata\.json/);
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, MODEL_FILE), 'onnx');
    writeFileSync(join(bad, METADATA_FILE), '{"schemaVersion":1}');
    expect(refusal('CreateModel', { ModelName: 'x', PrimaryContainer: { ModelDataUrl: bad } })).toMatch(
      /Invalid model data/,
    );
    expect(refusal('CreateModel', { ModelName: 'green', PrimaryContainer: { ModelDataUrl: bad } })).toMatch(
      /Cannot create already existing model/,
    );
  });

  it('CreateEndpointConfig needs a known model; DescribeEndpointConfig answers what was created', () => {
    createConfig('green-config');
    expect(plane.handle('DescribeEndpointConfig', { EndpointConfigName: 'green-config' })).toMatchObject({
      EndpointConfigName: 'green-config',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'green', InitialInstanceCount: 2 }],
    });
    expect(plane.handle('DescribeEndpointConfig', { EndpointConfigName: 'blue-config' })).toMatchObject({
      ProductionVariants: [{ ModelName: 'blue-model' }],
    });
    expect(refusal('DescribeEndpointConfig', { EndpointConfigName: 'nope' })).toMatch(
      /^Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config\/nope"\.$/,
    );
    expect(() => createConfig('c2', 'AllTraffic', 'missing')).toThrow(/Could not find model/);
    expect(() => createConfig('green-config')).toThrow(
      /Cannot create already existing endpoint configuration/,
    );
  });
});

describe('UpdateEndpoint', () => {
  it('without a DeploymentConfig applies the spec deployment with its three alarms, scaled', () => {
    createConfig('green-config');
    const out = plane.handle('UpdateEndpoint', {
      EndpointName: endpoint.name,
      EndpointConfigName: 'green-config',
    });
    expect(out).toEqual({
      EndpointArn: `arn:aws:sagemaker:us-east-1:000000000000:endpoint/${endpoint.name}`,
    });
    const u = endpoint.updates[0] as UpdateRequest;
    expect(u.model.name).toBe('green');
    expect(u.plan.mode).toBe(spec.endpoints.single.deployment.mode);
    expect(u.plan.bakeMs).toBe((spec.endpoints.single.deployment.bakeSeconds * 1000) / 60);
    expect(u.plan.alarms.map((a) => a.name)).toEqual([
      'errors5xx',
      'modelLatencyP90Ms',
      'invokerErrorRatePercent',
      'lowQualityPercent',
    ]);
    expect(u.plan.alarms.find((a) => a.metric === 'lowQualityPercent')?.minConfidence).toBe(
      spec.endpoints.single.deployment.rollbackAlarms.lowQualityPercent.minConfidence,
    );
    expect(u.deploymentConfig.AutoRollbackConfiguration?.Alarms).toHaveLength(4);
  });

  it('takes a CANARY DeploymentConfig, with alarms named by spec name or a prefixed name', () => {
    createConfig('green-config');
    plane.handle('UpdateEndpoint', {
      EndpointName: endpoint.name,
      EndpointConfigName: 'green-config',
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'CANARY',
            WaitIntervalInSeconds: 120,
            CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
          },
          MaximumExecutionTimeoutInSeconds: 1800,
        },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'dogbreed-single-instance-errors5xx' }] },
      },
    });
    const u = endpoint.updates[0] as UpdateRequest;
    expect(u.plan.steps).toEqual([50, 100]);
    expect(u.plan.bakeMs).toBe(2000);
    expect(u.plan.maxExecutionMs).toBe(30_000);
    expect(u.plan.alarms).toEqual([
      expect.objectContaining({ name: 'dogbreed-single-instance-errors5xx', metric: 'errors5xx' }),
    ]);
  });

  it('refuses what SageMaker refuses', () => {
    createConfig('green-config');
    createConfig('renamed', 'Blue');
    const update = (over: Record<string, unknown>) => ({
      EndpointName: endpoint.name,
      EndpointConfigName: 'green-config',
      ...over,
    });
    const routing = (r: Record<string, unknown>) => ({
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { WaitIntervalInSeconds: 60, ...r } },
      },
    });
    expect(refusal('UpdateEndpoint', update({ EndpointName: 'nope' }))).toBe(
      'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope".',
    );
    expect(refusal('UpdateEndpoint', update({ EndpointConfigName: 'nope' }))).toMatch(
      /^Could not find endpoint configuration/,
    );
    expect(refusal('UpdateEndpoint', update({ EndpointConfigName: 'renamed' }))).toMatch(
      /variant names .* \(Blue\) do not match .* \(AllTraffic\)/,
    );
    expect(
      refusal(
        'UpdateEndpoint',
        update(routing({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 60 } })),
      ),
    ).toMatch(/at most 50% of the fleet/);
    expect(
      refusal(
        'UpdateEndpoint',
        update(routing({ Type: 'CANARY', CanarySize: { Type: 'INSTANCE_COUNT', Value: 2 } })),
      ),
    ).toMatch(/at most 50% of the fleet/);
    expect(
      refusal(
        'UpdateEndpoint',
        update(routing({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 5 } })),
      ),
    ).toMatch(/between 10% and 50% of the fleet/);
    expect(
      refusal(
        'UpdateEndpoint',
        update(routing({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 75 } })),
      ),
    ).toMatch(/between 10% and 50% of the fleet/);
    expect(
      refusal(
        'UpdateEndpoint',
        update({ DeploymentConfig: { AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'cpu-high' }] } } }),
      ),
    ).toMatch(/Alarm "cpu-high" does not exist/);
    expect(refusal('UpdateEndpoint', update({ EndpointName: '' }))).toMatch(/validation error/);
    endpoint.state = 'Updating';
    expect(refusal('UpdateEndpoint', update({}))).toBe(
      `Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/${endpoint.name}".`,
    );
    endpoint.state = 'RollingBack';
    expect(refusal('UpdateEndpoint', update({}))).toMatch(/^Cannot update in-progress endpoint/);
    expect(endpoint.updates).toHaveLength(0);
  });

  it('a canary of one instance needs a fleet of two', () => {
    const one = specWith({}).endpoints.single;
    expect(() =>
      deploymentPlanInput(
        {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: 'CANARY',
              WaitIntervalInSeconds: 60,
              CanarySize: { Type: 'CAPACITY_PERCENT', Value: 50 },
            },
          },
        },
        one,
        1,
        60,
      ),
    ).toThrow(/less than one instance/);
  });

  it('words SageMaker’s bounds as SageMaker does, and leaves the spec’s stricter rules to the spec', () => {
    const one = specWith({}).endpoints.single;
    const plan = (policy: Record<string, unknown>) =>
      deploymentPlanInput(
        {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 600 },
            ...policy,
          },
        },
        one,
        1,
        60,
      );
    expect(() => plan({ TerminationWaitInSeconds: 4000 })).toThrow(
      "1 validation error detected: Value '4000' at 'deploymentConfig.blueGreenUpdatePolicy.TerminationWaitInSeconds' failed to satisfy constraint: Member must have value between 0 and 3600",
    );
    // The spec wants the limit above every bake and the termination wait; SageMaker does not check that here.
    expect(plan({ MaximumExecutionTimeoutInSeconds: 600 }).input.maxExecutionSeconds).toBe(600);
  });

  it('maps alarm names (spec names, CDK names) to the spec alarms only on a separator', () => {
    expect(alarmMetricFor('modelLatencyP90Ms')).toBe('modelLatencyP90Ms');
    expect(alarmMetricFor('dogbreed-multi-instance-invokerErrorRatePercent')).toBe('invokerErrorRatePercent');
    expect(alarmMetricFor('xerrors5xx')).toBeUndefined();
    // The CDK stack's names: <stack>-<endpoint>-rollback-….
    expect(alarmMetricFor('DogbreedServing-dogbreed-single-instance-rollback-5xx')).toBe('errors5xx');
    expect(alarmMetricFor('S-dogbreed-multi-instance-rollback-model-latency-p90')).toBe('modelLatencyP90Ms');
    expect(alarmMetricFor('S-e-rollback-invoker-error-rate')).toBe('invokerErrorRatePercent');
  });
});

describe('DescribeEndpoint and unknown operations', () => {
  it('describes through the endpoint; unknown operations are refused by name', () => {
    expect(plane.handle('DescribeEndpoint', { EndpointName: endpoint.name })).toMatchObject({
      EndpointStatus: 'InService',
    });
    expect(plane.handle('ListEndpoints', {})).toMatchObject({ Endpoints: [{ EndpointName: endpoint.name }] });
    expect(() => plane.handle('DeleteEndpoint', {})).toThrow(/does not implement SageMaker.DeleteEndpoint/);
  });
});

describe('shadow variants (ShadowProductionVariants)', () => {
  const variant = (name: string, model: string, weight?: number) => ({
    VariantName: name,
    ModelName: model,
    InitialInstanceCount: 1,
    InstanceType: 'ml.m5.large',
    ...(weight !== undefined ? { InitialVariantWeight: weight } : {}),
  });

  it('records the shadow with the share its weight gives over production, and DescribeEndpointConfig shows it', () => {
    plane.handle('CreateEndpointConfig', {
      EndpointConfigName: 'shadow-config',
      ProductionVariants: [variant('AllTraffic', 'blue-model', 1)],
      ShadowProductionVariants: [variant('AllTraffic-shadow', 'green', 0.25)],
    });
    expect(plane.configs.get('shadow-config')?.shadow).toMatchObject({
      variantName: 'AllTraffic-shadow',
      modelName: 'green',
      samplingPercent: 25,
    });
    const described = plane.handle('DescribeEndpointConfig', { EndpointConfigName: 'shadow-config' });
    expect(described['ShadowProductionVariants']).toEqual([
      { ...variant('AllTraffic-shadow', 'green', 0.25) },
    ]);
  });

  it("refuses SageMaker's shadow rules: one shadow, its own name, a weight in (0, production's]", () => {
    const create = (shadows: unknown[]) =>
      refusal('CreateEndpointConfig', {
        EndpointConfigName: 'c',
        ProductionVariants: [variant('AllTraffic', 'blue-model')],
        ShadowProductionVariants: shadows,
      });
    expect(create([variant('s1', 'green'), variant('s2', 'green')])).toMatch(/at most one shadow variant/);
    expect(create([variant('AllTraffic', 'green')])).toMatch(/must differ from the production variant's/);
    expect(create([variant('s', 'green', 2)])).toMatch(/InitialVariantWeight \(2\) must be greater than 0/);
    expect(create([variant('s', 'green', 0)])).toMatch(/InitialVariantWeight \(0\)/);
    expect(create([variant('s', 'nope')])).toMatch(/Could not find model/);
  });

  it('an update that keeps the production model changes only the shadow, in place; removing it likewise', () => {
    plane.handle('CreateEndpointConfig', {
      EndpointConfigName: 'shadow-config',
      ProductionVariants: [variant('AllTraffic', 'blue-model')],
      ShadowProductionVariants: [variant('AllTraffic-shadow', 'green')],
    });
    plane.handle('UpdateEndpoint', { EndpointName: endpoint.name, EndpointConfigName: 'shadow-config' });
    expect(endpoint.updates).toHaveLength(0);
    expect(endpoint.shadowUpdates[0]?.shadow).toMatchObject({
      variantName: 'AllTraffic-shadow',
      instanceCount: 1,
      samplingPercent: 100,
    });
    expect(endpoint.shadowUpdates[0]?.shadow?.model.name).toBe('green');
    plane.handle('UpdateEndpoint', { EndpointName: endpoint.name, EndpointConfigName: 'blue-config' });
    expect(endpoint.shadowUpdates[1]?.shadow).toBeUndefined();
    expect(endpoint.shadowUpdates[1]?.config.name).toBe('blue-config');
    expect(endpoint.updates).toHaveLength(0);
  });

  it('refuses a new production model together with a shadow: the shadow runs beside the serving model', () => {
    plane.handle('CreateEndpointConfig', {
      EndpointConfigName: 'both',
      ProductionVariants: [variant('AllTraffic', 'green')],
      ShadowProductionVariants: [variant('AllTraffic-shadow', 'blue-model')],
    });
    expect(refusal('UpdateEndpoint', { EndpointName: endpoint.name, EndpointConfigName: 'both' })).toMatch(
      /changes the production model .* and adds a shadow variant/,
    );
  });
});
