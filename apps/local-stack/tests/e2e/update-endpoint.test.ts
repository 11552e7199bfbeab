/**
 * UpdateEndpoint on the built local stack with the real `@aws-sdk/client-sagemaker`: a canary update from the spec's
 * deployment promotes the candidate (requests split by the canary share while it bakes, then all answered by the new
 * model, the old fleet stopped); a candidate answering 5xx rolls back on the 5xx alarm to the old config; the
 * validation errors SageMaker gives come back as ValidationException. Synchronised on DescribeEndpoint, never sleeps.
 */
import { join } from 'node:path';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  waitUntilEndpointInService,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { buildSpec, PredictionResponseSchema, type SpecOverride } from '@dogbreed/platform-spec';
import { createDataDependentOutputModelDir, createTinyModelDir, solidPng } from '@dogbreed/testing';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeModelsDir,
  pidsAlive,
  removeDir,
  RED,
  settle,
  startStack,
  waitFor,
  type RunningStack,
} from './harness.js';

/** The candidate's class names: a red image is `red_puppy` on green, `red_dog` on blue. */
const CANDIDATE_CLASSES = ['red_puppy', 'green_puppy', 'blue_puppy'];
const CANARY_PERCENT = 50;
/**
 * Spec seconds: 10 real seconds per bake at time scale 60. The canary's ten requests below take well under one on an
 * idle machine; the rest is room for a busy CI machine, where the test would fail at `atEnd` rather than miscount.
 */
const BAKE_SECONDS = 600;

const override: SpecOverride = {
  autoscaling: { minInstances: 2 },
  endpoints: {
    single: {
      initialInstanceCount: 2,
      deployment: { mode: 'canary', canaryPercent: CANARY_PERCENT, bakeSeconds: BAKE_SECONDS },
    },
    multi: { initialInstanceCount: 2 },
  },
};
const spec = buildSpec(override);
const ENDPOINT = spec.endpoints.single.name;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let modelsDir: string;
let stack: RunningStack | undefined;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let red: Buffer;

beforeAll(async () => {
  modelsDir = await makeModelsDir();
  await Promise.all([
    createTinyModelDir(join(modelsDir, 'candidate'), {
      classNames: CANDIDATE_CLASSES,
      modelVersion: 'candidate-1',
    }),
    createDataDependentOutputModelDir(join(modelsDir, 'faulty'), { modelVersion: 'faulty-1' }),
  ]);
  red = await solidPng(RED);
  stack = await startStack(modelsDir, override);
  sm = new SageMakerClient({ endpoint: stack.url, region: spec.project.region, credentials });
  runtime = new SageMakerRuntimeClient({
    endpoint: stack.url,
    region: spec.project.region,
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sm?.destroy();
  runtime?.destroy();
  await stack?.stop();
  removeDir(modelsDir);
});

function describeEndpoint(): Promise<DescribeEndpointCommandOutput> {
  return sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
}

/** The label the endpoint's answer puts first for a red image. */
async function redLabel(): Promise<string> {
  const out = await runtime.send(
    new InvokeEndpointCommand({
      EndpointName: ENDPOINT,
      ContentType: 'application/json',
      Accept: 'application/json',
      Body: JSON.stringify({ image: red.toString('base64'), topK: 1 }),
    }),
  );
  const body = PredictionResponseSchema.parse(
    JSON.parse(Buffer.from(out.Body as Uint8Array).toString('utf8')),
  );
  return body.predictions[0]?.label as string;
}

async function createModelAndConfig(name: string, dir: string): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: name,
      PrimaryContainer: { ModelDataUrl: pathToFileURL(dir).href },
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/ignored-locally',
    }),
  );
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 2, InstanceType: 'ml.m5.large' },
      ],
    }),
  );
}

async function rollout(): Promise<{ step: number; greenPercent: number; phase: string } | null | undefined> {
  const m = await (stack as RunningStack).metrics();
  return m.endpoints.find((e) => e.name === ENDPOINT)?.rollout;
}

/** The ValidationException message a call is refused with. */
async function refused(p: Promise<unknown>): Promise<string> {
  const r = await settle(p);
  expect(r.ok).toBe(false);
  const err = (r as { error: { name: string; message: string } }).error;
  expect(err.name).toBe('ValidationException');
  return err.message;
}

describe('UpdateEndpoint on the local stack (real SageMaker SDK)', () => {
  it('a canary update bakes with the canary share, then promotes: the new model answers, the old fleet stops', async () => {
    const before = await describeEndpoint();
    expect(before).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${ENDPOINT}-initial` });
    expect(await redLabel()).toBe('red_dog');
    const bluePids =
      (await (stack as RunningStack).health()).endpoints.find((e) => e.name === ENDPOINT)?.pids ?? [];
    expect(bluePids).toHaveLength(2);

    await createModelAndConfig('candidate', join(modelsDir, 'candidate'));
    const config = await sm.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: 'candidate-config' }),
    );
    expect(config.ProductionVariants?.[0]?.ModelName).toBe('candidate');

    const updated = await sm.send(
      new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'candidate-config' }),
    );
    expect(updated.EndpointArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:endpoint/${ENDPOINT}`);
    const updating = await describeEndpoint();
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.EndpointConfigName).toBe(`${ENDPOINT}-initial`);
    expect(updating.PendingDeploymentSummary?.EndpointConfigName).toBe('candidate-config');
    expect(updating.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration).toMatchObject({
      Type: 'CANARY',
      WaitIntervalInSeconds: BAKE_SECONDS,
      CanarySize: { Type: 'CAPACITY_PERCENT', Value: CANARY_PERCENT },
    });
    // A second update while this one runs is refused, as on SageMaker.
    expect(
      await refused(
        sm.send(
          new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'candidate-config' }),
        ),
      ),
    ).toMatch(/^Cannot update in-progress endpoint/);

    // The canary bake: the weighted round robin sends exactly every other request to green.
    await waitFor(
      'the canary bake',
      async () =>
        (await describeEndpoint()).PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]
          ?.Status === 'Baking' || undefined,
      60_000,
    );
    const atStart = await rollout();
    expect(atStart).toMatchObject({ phase: 'Baking', step: 0, greenPercent: CANARY_PERCENT });
    const labels: string[] = [];
    for (let k = 0; k < 10; k++) labels.push(await redLabel());
    const atEnd = await rollout();
    // The shares below hold only if the ten requests fell in one bake (10 real seconds; they take well under one).
    expect(atEnd).toMatchObject({ phase: 'Baking', step: 0 });
    expect(labels.filter((l) => l === 'red_puppy')).toHaveLength(5);
    expect(labels.filter((l) => l === 'red_dog')).toHaveLength(5);

    await waitUntilEndpointInService(
      { client: sm, maxWaitTime: 90, minDelay: 1, maxDelay: 1 },
      { EndpointName: ENDPOINT },
    );
    const after = await describeEndpoint();
    expect(after.EndpointStatus).toBe('InService');
    expect(after.EndpointConfigName).toBe('candidate-config');
    expect(after.FailureReason).toBeUndefined();
    expect(after.PendingDeploymentSummary).toBeUndefined();
    expect(after.ProductionVariants?.[0]).toMatchObject({
      VariantName: 'AllTraffic',
      CurrentInstanceCount: 2,
    });
    const done = await rollout();
    expect(done).toMatchObject({ phase: 'Promoted', decision: { outcome: 'promoted' } });
    for (let k = 0; k < 4; k++) expect(await redLabel()).toBe('red_puppy');
    // InService comes only after the old fleet drained: none of its processes is left.
    expect(pidsAlive(bluePids)).toEqual([]);
    expect((stack as RunningStack).stderr.some((l) => l.includes('promoted: every bake passed'))).toBe(true);
  });

  it('a candidate that answers 5xx rolls back on the 5xx alarm within the bake, to the old config', async () => {
    await createModelAndConfig('faulty', join(modelsDir, 'faulty'));
    await sm.send(
      new UpdateEndpointCommand({
        EndpointName: ENDPOINT,
        EndpointConfigName: 'faulty-config',
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: BAKE_SECONDS },
            MaximumExecutionTimeoutInSeconds: 1800,
          },
          AutoRollbackConfiguration: { Alarms: [{ AlarmName: `${ENDPOINT}-errors5xx` }] },
        },
      }),
    );
    await waitFor('the bake', async () => ((await rollout())?.phase === 'Baking' ? true : undefined), 60_000);
    // Traffic during the bake: every request reaches the faulty fleet and fails, until the alarm rolls back.
    let failures = 0;
    let status = 'Updating';
    for (let k = 0; k < 500 && status === 'Updating'; k++) {
      const r = await settle(redLabel());
      if (!r.ok) failures += 1;
      status = (await describeEndpoint()).EndpointStatus as string;
    }
    expect(failures).toBeGreaterThan(0);
    expect(['RollingBack', 'InService']).toContain(status);
    await waitUntilEndpointInService(
      { client: sm, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { EndpointName: ENDPOINT },
    );
    const after = await describeEndpoint();
    expect(after.EndpointConfigName).toBe('candidate-config');
    expect(after.FailureReason).toMatch(new RegExp(`^Alarm ${ENDPOINT}-errors5xx \\(errors5xx >= 1`));
    const r = await rollout();
    expect(r).toMatchObject({ phase: 'RolledBack', step: 0, decision: { outcome: 'rolled-back' } });
    expect(await redLabel()).toBe('red_puppy');
  });

  it('refuses unknown names and a changed variant name with ValidationException', async () => {
    expect(await refused(sm.send(new DescribeEndpointCommand({ EndpointName: 'no-such-endpoint' })))).toBe(
      'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/no-such-endpoint".',
    );
    expect(
      await refused(
        sm.send(new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'nope' })),
      ),
    ).toMatch(/^Could not find endpoint configuration/);
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'renamed-variant',
        ProductionVariants: [
          {
            VariantName: 'Blue',
            ModelName: 'candidate',
            InitialInstanceCount: 2,
            InstanceType: 'ml.m5.large',
          },
        ],
      }),
    );
    expect(
      await refused(
        sm.send(new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'renamed-variant' })),
      ),
    ).toMatch(/do not match/);
    expect(
      await refused(
        sm.send(
          new CreateModelCommand({
            ModelName: 'missing',
            PrimaryContainer: { ModelDataUrl: pathToFileURL(join(modelsDir, 'absent')).href },
          }),
        ),
      ),
    ).toMatch(/^Could not find model data/);
    expect((await describeEndpoint()).EndpointStatus).toBe('InService');
  });
});
