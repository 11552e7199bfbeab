/**
 * The live shadow rehearsal on the built local stack: the rollout driver (`POST /_local/endpoints/{name}/shadow-rollout`)
 * deploys a candidate as the endpoint's shadow variant, a fixed number of real InvokeEndpoint requests (the real
 * SageMaker Runtime SDK) flows while the phase runs, and the verdict decides. A candidate that answers 200 with the
 * wrong breeds is stopped by the verdict before any traffic shift (every answer the client got came from the serving
 * model; the shadow removed); a candidate whose answers agree is promoted by the blue/green deployment. The captures
 * on disk hold both sides of each copied request under one inference id, and the verdict computed from those files
 * (the code the pipeline runs on S3 captures) equals the live one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { observationsOfJsonl, shadowVerdict, type CaptureObservation } from '@dogbreed/model-quality';
import {
  buildSpec,
  PredictionResponseSchema,
  shadowVariantName,
  ShadowRolloutStatusSchema,
  type ShadowRolloutStatus,
  type SpecOverride,
} from '@dogbreed/platform-spec';
import { createTinyModelDir, solidPng } from '@dogbreed/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModelsDir, removeDir, RED, startStack, waitFor, type RunningStack } from './harness.js';

/** Requests sent during each shadow phase; half are copied to the shadow. */
const REQUESTS = 40;
const SAMPLING_PERCENT = 50;
const PAIRS = (REQUESTS * SAMPLING_PERCENT) / 100;
/**
 * Spec seconds: 20 real seconds of shadow phase at time scale 60. The 40 requests take about a second on an idle
 * machine; the rest is room for a busy CI machine, where the test would fail on the pair count rather than pass.
 */
const PHASE_SECONDS = 1200;

const override: SpecOverride = {
  rollout: {
    shadow: {
      samplingPercent: SAMPLING_PERCENT,
      durationSeconds: PHASE_SECONDS,
      minPairs: PAIRS / 2,
      // The tiny models answer in about a millisecond, where scheduling noise decides the p95 ratio; the latency
      // check is covered by model-quality's unit tests, agreement is what this rehearsal is about.
      maxP95LatencyRatio: 1000,
    },
  },
  // A short all-at-once bake (4 s at time scale 60) that still holds every rollback alarm's window.
  endpoints: { single: { deployment: { mode: 'all-at-once', bakeSeconds: 240 } } },
};
const spec = buildSpec(override);
const ENDPOINT = spec.endpoints.single.name;
const VARIANT = spec.endpoints.single.variantName;
const SHADOW_VARIANT = shadowVariantName(VARIANT);
/** The serving tiny model's version (make_tiny_model.py's default) and the two candidates'. */
const SERVING_VERSION = 'tiny-color-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let modelsDir: string;
let stack: RunningStack | undefined;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let red: Buffer;

beforeAll(async () => {
  modelsDir = await makeModelsDir();
  await Promise.all([
    // Answers 200 with confidence, but a red image is `blue_dog`: the wrong breed for every request.
    createTinyModelDir(join(modelsDir, 'wrong'), {
      classNames: ['blue_dog', 'red_dog', 'green_dog'],
      modelVersion: 'wrong-1',
    }),
    createTinyModelDir(join(modelsDir, 'right'), { modelVersion: 'right-1' }),
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
  for (const name of ['wrong', 'right'])
    await sm.send(
      new CreateModelCommand({
        ModelName: `${name}-candidate`,
        PrimaryContainer: { ModelDataUrl: pathToFileURL(join(modelsDir, name)).href },
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/ignored-locally',
      }),
    );
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

/** `n` requests, one after another; what the client got: the answering variant, model version and top-1 label. */
async function invoke(n: number): Promise<{ variant: string; version: string; label: string }[]> {
  const out: { variant: string; version: string; label: string }[] = [];
  for (let k = 0; k < n; k++) {
    const res = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: ENDPOINT,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify({ image: red.toString('base64'), topK: 1 }),
      }),
    );
    const body = PredictionResponseSchema.parse(
      JSON.parse(Buffer.from(res.Body as Uint8Array).toString('utf8')),
    );
    out.push({
      variant: res.InvokedProductionVariant ?? '',
      version: body.modelVersion,
      label: body.predictions[0]?.label ?? '',
    });
  }
  return out;
}

/** The admin API's shadow rollout on the endpoint. */
async function rolloutStatus(): Promise<ShadowRolloutStatus> {
  const res = await fetch(`${(stack as RunningStack).url}/_local/endpoints/${ENDPOINT}/shadow-rollout`);
  expect(res.status).toBe(200);
  return ShadowRolloutStatusSchema.parse(await res.json());
}

/**
 * Starts the driver with `model`, sends REQUESTS once the shadow is copying, and waits for the driver's outcome.
 * Returns what the client got during the phase and the driver's final status.
 */
async function shadowRollout(model: string) {
  const s = stack as RunningStack;
  const started = await fetch(`${s.url}/_local/endpoints/${ENDPOINT}/shadow-rollout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ModelName: model }),
  });
  expect(started.status).toBe(202);
  const shadowConfig = await waitFor('the shadow phase', async () => {
    const r = await rolloutStatus();
    expect(r.outcome).toBeNull();
    return r.step === 'ShadowPhase' ? r.shadowConfig : undefined;
  });
  const answers = await invoke(REQUESTS);
  // The phase is still on: every request above was in it (else the pair count below says so).
  expect((await rolloutStatus()).step).toBe('ShadowPhase');
  const done = await waitFor(
    'the driver to finish',
    async () => {
      const r = await rolloutStatus();
      return r.outcome !== null ? r : undefined;
    },
    150_000,
  );
  return { answers, done, shadowConfig };
}

/** Every capture record under `<endpoint>/<variant>/`, as observations. */
function captured(variant: string): CaptureObservation[] {
  const root = join(modelsDir, 'data-capture', ENDPOINT, variant);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.jsonl')) files.push(p);
    }
  };
  try {
    walk(root);
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    const { observations, badLines } = observationsOfJsonl(readFileSync(f, 'utf8'));
    expect(badLines).toEqual([]);
    return observations;
  });
}

/** The shadow's captures of one candidate, once the writer has flushed all `PAIRS` of them. */
function shadowCaptures(version: string): Promise<CaptureObservation[]> {
  return waitFor(`${PAIRS} shadow captures of ${version}`, () => {
    const mine = captured(SHADOW_VARIANT).filter((o) => o.ok && o.modelVersion === version);
    return mine.length === PAIRS ? mine : undefined;
  });
}

describe('the live shadow gates a candidate on agreement before any traffic shift', () => {
  it('a candidate answering 200 with the wrong breeds fails the verdict and is removed; the client never saw it', async () => {
    const { answers, done, shadowConfig } = await shadowRollout('wrong-candidate');
    expect(answers).toHaveLength(REQUESTS);
    for (const a of answers)
      expect(a).toEqual({ variant: VARIANT, version: SERVING_VERSION, label: 'red_dog' });

    expect(done.outcome).toBe('shadow-removed');
    expect(done.candidateConfig).toBeNull();
    expect(done.reason).toMatch(/^shadow verdict FAIL \(.*minTop1Agreement 0 >= 0\.9 FAIL/);
    const v = done.verdict;
    expect(v?.verdict).toBe('fail');
    expect(v?.figures).toMatchObject({ compared: PAIRS, agreement: 0, candidateErrors: 0 });
    expect(v?.checks.find((c) => c.name === 'minPairs')?.result).toBe('pass');

    const d = await describeEndpoint();
    expect(d.EndpointStatus).toBe('InService');
    expect(d.EndpointConfigName).toBe(done.servingConfig);
    expect(d.ShadowProductionVariants ?? []).toEqual([]);
    const m = await (stack as RunningStack).metrics();
    const e = m.endpoints.find((x) => x.name === ENDPOINT);
    expect(e?.shadow).toMatchObject({
      state: 'Removed',
      configName: shadowConfig,
      copied: PAIRS,
      dropped: 0,
    });
    expect(e?.instances.filter((i) => i.fleet === 'shadow')).toEqual([]);
    expect(e?.rollout ?? null).toBeNull();

    // On disk: the shadow's answers are the candidate's wrong breed; each pairs with a production capture of the
    // same inference id answered by the serving model; the verdict over the files is the live one.
    const shadow = await shadowCaptures('wrong-1');
    for (const o of shadow) expect(o.ok && o.top1.label).toBe('blue_dog');
    const production = captured(VARIANT);
    expect(production.every((o) => o.ok && o.modelVersion === SERVING_VERSION)).toBe(true);
    const ids = new Set(production.map((o) => o.inferenceId));
    for (const o of shadow) expect(ids.has(o.inferenceId)).toBe(true);
    const fromFiles = shadowVerdict(production, shadow, spec.rollout.shadow);
    expect(fromFiles.verdict).toBe('fail');
    expect(fromFiles.figures).toEqual(v?.figures);
  });

  it('a candidate whose answers agree passes the verdict and is promoted by the blue/green deployment', async () => {
    const { answers, done } = await shadowRollout('right-candidate');
    for (const a of answers)
      expect(a).toEqual({ variant: VARIANT, version: SERVING_VERSION, label: 'red_dog' });

    expect(done.outcome).toBe('promoted');
    expect(done.reason).toMatch(
      new RegExp(`^shadow verdict PASS: ${PAIRS} pair\\(s\\), top-1 agreement 100 %`),
    );
    expect(done.verdict?.verdict).toBe('pass');
    expect(done.verdict?.figures).toMatchObject({ compared: PAIRS, agreement: 1, meanConfidenceShift: 0 });

    const d = await describeEndpoint();
    expect(d.EndpointStatus).toBe('InService');
    expect(d.EndpointConfigName).toBe(done.candidateConfig);
    expect(d.ShadowProductionVariants ?? []).toEqual([]);
    const [after] = await invoke(1);
    expect(after).toEqual({ variant: VARIANT, version: 'right-1', label: 'red_dog' });

    const shadow = await shadowCaptures('right-1');
    const production = new Map(captured(VARIANT).map((o) => [o.inferenceId, o]));
    // During the phase the serving model answered every copied request: the candidate only after the promotion.
    for (const o of shadow) {
      const twin = production.get(o.inferenceId);
      expect(twin?.ok && twin.modelVersion).toBe(SERVING_VERSION);
    }
  });
});
