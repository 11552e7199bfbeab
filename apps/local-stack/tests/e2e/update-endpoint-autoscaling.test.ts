/**
 * Autoscaling during an UpdateEndpoint, under load: the policy keeps running while the canary bakes, both fleets
 * follow its desired count, the old fleet is retired (drained, then stopped) while the load still runs, and no
 * request of the load fails across the whole update. Synchronised on the admin API and DescribeEndpoint, never sleeps.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { buildSpec, type LocalMetrics, type SpecOverride } from '@dogbreed/platform-spec';
import { createTinyModelDir, solidPng } from '@dogbreed/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModelsDir, removeDir, RED, startStack, waitFor, type RunningStack } from './harness.js';
import { runLoad } from './load.js';

// The autoscaling e2e's trick: a target (2 invocations per instance per period) any machine's load is far above, so
// scaling out never depends on throughput; max 3 keeps the two fleets at six processes. Bakes of 900 s last 15 real
// seconds at time scale 60: room for three periods above target and an instance start while the canary bakes.
const override: SpecOverride = {
  autoscaling: { minInstances: 2, maxInstances: 3, targetValue: 2, scaleInEvaluationPeriods: 120 },
  // Two hours of scale-in periods: the AWS load test's profile would outlast the loadTest role's session (the spec
  // refuses that); this local test runs no AWS load test, so the session is simply long enough.
  ci: { roles: { loadTest: { maxSessionSeconds: 4 * 3600 } } },
  modelServer: { intraOpThreads: 1 },
  endpoints: {
    single: {
      initialInstanceCount: 2,
      deployment: { mode: 'canary', canaryPercent: 50, bakeSeconds: 900 },
    },
    multi: { initialInstanceCount: 2 },
  },
};
const spec = buildSpec(override);
const ENDPOINT = spec.endpoints.single.name;
const MAX = spec.autoscaling.maxInstances;

let modelsDir: string;
let stack: RunningStack | undefined;
let sm: SageMakerClient;

beforeAll(async () => {
  modelsDir = await makeModelsDir();
  await createTinyModelDir(join(modelsDir, 'candidate'), {
    classNames: ['red_puppy', 'green_puppy', 'blue_puppy'],
    modelVersion: 'candidate-1',
  });
  stack = await startStack(modelsDir, override);
  sm = new SageMakerClient({
    endpoint: stack.url,
    region: spec.project.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sm?.destroy();
  await stack?.stop();
  removeDir(modelsDir);
});

type Fleet = 'blue' | 'green' | 'retiring';
function live(m: LocalMetrics, fleet: Fleet): number {
  const e = m.endpoints.find((x) => x.name === ENDPOINT);
  return (
    e?.instances.filter((i) => i.fleet === fleet && (i.state === 'InService' || i.state === 'Pending'))
      .length ?? 0
  );
}

describe('autoscaling during an update', () => {
  it('both fleets follow the desired count while the canary bakes; no request fails across the promotion', async () => {
    const s = stack as RunningStack;
    await sm.send(
      new CreateModelCommand({
        ModelName: 'candidate',
        PrimaryContainer: { ModelDataUrl: pathToFileURL(join(modelsDir, 'candidate')).href },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'candidate-config',
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: 'candidate',
            InitialInstanceCount: 2,
            InstanceType: 'ml.m5.large',
          },
        ],
      }),
    );
    await sm.send(
      new UpdateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: 'candidate-config' }),
    );
    await waitFor('the canary bake', async () => {
      const m = await s.metrics();
      return m.endpoints.find((e) => e.name === ENDPOINT)?.rollout?.phase === 'Baking' || undefined;
    });

    // Load through the whole update, watched every 200 ms; stops once the endpoint is InService again.
    const observed: LocalMetrics[] = [];
    let done = false;
    const watcher = (async () => {
      const deadline = Date.now() + 120_000;
      while (!done && Date.now() < deadline) {
        observed.push(await s.metrics());
        const d = await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
        if (d.EndpointStatus === 'InService') done = true;
        else await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const body = JSON.stringify({ image: (await solidPng(RED, 8)).toString('base64'), topK: 1 });
    const load = await runLoad({
      url: `${s.url}/endpoints/${ENDPOINT}/invocations`,
      body,
      concurrency: 4,
      maxRequests: 50_000,
      maxMs: 120_000,
      stop: () => done,
    });
    await watcher;
    expect(done, 'the update did not finish in 120 s').toBe(true);
    expect(load.failures).toEqual([]);
    expect(load.ok).toBe(load.sent);

    // While updating, the scaler went to its maximum and both fleets followed it.
    const during = observed.filter(
      (m) => m.endpoints.find((e) => e.name === ENDPOINT)?.endpointStatus === 'Updating',
    );
    expect(during.some((m) => live(m, 'blue') === MAX && live(m, 'green') === MAX)).toBe(true);
    // The state after DescribeEndpoint said InService: the watcher's last snapshot was taken just before that call,
    // so it can still show the old fleet draining.
    const e = (await s.metrics()).endpoints.find((x) => x.name === ENDPOINT);
    expect(e?.scalingActivities.some((a) => a.direction === 'out' && a.toDesired === MAX)).toBe(true);
    expect(e?.rollout).toMatchObject({ phase: 'Promoted', toConfig: 'candidate-config' });
    expect(e?.endpointConfigName).toBe('candidate-config');
    // The old fleet was retired under load and stopped after draining: every request was answered (above).
    expect(e?.instances.filter((i) => i.fleet === 'blue' && i.state === 'InService')).toHaveLength(MAX);
    expect(e?.instances.filter((i) => i.fleet === 'retiring' && i.state !== 'Terminated')).toEqual([]);
  });
});
