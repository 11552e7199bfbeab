/**
 * The handler against a local server speaking the SageMaker Runtime InvokeEndpoint REST protocol, through the
 * real SDK (endpoint override `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, dummy credentials): the SDK serializes, signs
 * (the server verifies SigV4) and parses. Behind it: scripted replies, and the real model server when built.
 */
import { ErrorBodySchema, PredictionResponseSchema } from '@dogbreed/platform-spec';
import { createTinyModelDir, specWith } from '@dogbreed/testing';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RETRY_AFTER_SECONDS } from '../../src/errors.js';
import { invokerEnvFor } from '../support/env.js';
import { jsonHttpEvent, lambdaContext, rawImageHttpEvent } from '../support/fixtures.js';
import { solidImage } from '../support/images.js';
import {
  cannedBackend,
  DUMMY_CREDENTIALS,
  httpBackend,
  startInvokeEndpointServer,
  TEST_REGION,
  type Backend,
  type BackendReply,
  type InvokeEndpointServer,
} from '../support/invoke-endpoint-server.js';
import {
  ensureInvokerBundle,
  modelServerBundle,
  runBundle,
  startModelServer,
  type ModelServerProcess,
} from '../support/processes.js';

const spec = specWith({});
const SINGLE = 'it-single';
const MULTI = 'it-multi';
/** Short budget so the hanging-endpoint case ends quickly; each of the spec's attempts gets an equal share. */
const TIMEOUT_MS = 1_200;

let server: InvokeEndpointServer;
let singleBackend: Backend = cannedBackend();
let handler: typeof import('../../src/index.js').handler;
const saved = { ...process.env };

function invokerEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...invokerEnvFor(spec, {
      DOGBREED_ENDPOINT_SINGLE: SINGLE,
      DOGBREED_ENDPOINT_MULTI: MULTI,
      DOGBREED_ENDPOINT_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: url,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
  };
  const unwanted = new Set(['AWS_ENDPOINT_URL', 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_EXECUTION_ENV']);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !unwanted.has(k)));
}

beforeAll(async () => {
  server = await startInvokeEndpointServer({
    endpoints: {
      [SINGLE]: (req) => singleBackend(req),
      [MULTI]: cannedBackend([{ label: 'multi-dog', index: 0, probability: 1 }]),
    },
  });
  // In this process the handler's logs and EMF would only clutter the test output (the handler's unit test checks
  // them); the bundle runs in child processes with both on.
  process.env = {
    ...invokerEnv(server.url),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  vi.resetModules();
  ({ handler } = await import('../../src/index.js'));
});

afterAll(async () => {
  process.env = saved;
  await server?.close();
});

const reply =
  (r: BackendReply): Backend =>
  () =>
    r;
const parse = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('handler (sources) → real SDK → InvokeEndpoint protocol server', () => {
  it('direct invoke: signed request, raw image bytes + topK custom attribute, validated reply plus the endpoint name', async () => {
    singleBackend = cannedBackend();
    const png = await solidImage('png');
    const before = server.calls.length;
    const res = await handler({ image: png.toString('base64'), topK: 1 }, lambdaContext('it-1'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-invoked-production-variant']).toBe(spec.endpoints.single.variantName);
    const body = parse(res.body);
    expect(PredictionResponseSchema.parse(body).predictions[0]?.label).toBe('beagle');
    expect(body['endpoint']).toBe(SINGLE);

    const call = server.calls[before];
    expect(call?.endpointName).toBe(SINGLE);
    expect(call?.signature).toMatchObject({ ok: true, service: 'sagemaker', region: TEST_REGION });
    expect(call?.headers['content-type']).toBe('image/png');
    expect(call?.headers['accept']).toBe('application/json');
    expect(call?.headers['x-amzn-sagemaker-custom-attributes']).toBe('topK=1');
    expect(call?.body.equals(png)).toBe(true);
  });

  it('function URL raw JPEG with ?endpoint=multi calls the multi endpoint', async () => {
    const jpeg = await solidImage('jpeg');
    const res = await handler(
      rawImageHttpEvent(jpeg, 'image/jpeg', { endpoint: 'multi' }),
      lambdaContext('it-2'),
    );
    expect(res.statusCode).toBe(200);
    expect(parse(res.body)).toMatchObject({ endpoint: MULTI, predictions: [{ label: 'multi-dog' }] });
    const call = server.calls.at(-1);
    expect(call?.endpointName).toBe(MULTI);
    expect(call?.headers['content-type']).toBe('image/jpeg');
    expect(call?.headers['x-amzn-sagemaker-custom-attributes']).toBe(`topK=${spec.invoker.defaultTopK}`);
    expect(call?.body.equals(jpeg)).toBe(true);
  });

  it('a request the invoker refuses never reaches the endpoint', async () => {
    const before = server.calls.length;
    const res = await handler(
      jsonHttpEvent({ image: Buffer.from('GIF89a-not-allowed').toString('base64') }, 'http-3'),
      lambdaContext(),
    );
    expect(res.statusCode).toBe(415);
    expect(ErrorBodySchema.parse(parse(res.body)).error).toMatchObject({
      code: 'UNSUPPORTED_IMAGE_TYPE',
      requestId: 'http-3',
    });
    expect(server.calls.length).toBe(before);
  });

  const secret = 'stack trace at /opt/ml/model secret-token';
  const errorCases: {
    name: string;
    backendReply: BackendReply;
    status: number;
    code: string;
    attempts: number;
  }[] = [
    {
      name: 'ModelError from a container 400',
      backendReply: {
        kind: 'container',
        status: 400,
        body: JSON.stringify({ error: { code: 'IMAGE_DECODE_FAILED', message: secret } }),
      },
      status: 400,
      code: 'MODEL_REJECTED_INPUT',
      attempts: 1,
    },
    {
      name: 'ModelError from a container 500',
      backendReply: {
        kind: 'container',
        status: 500,
        body: JSON.stringify({ error: { code: 'INFERENCE_FAILED', message: secret } }),
      },
      status: 502,
      code: 'MODEL_ERROR',
      attempts: 1,
    },
    {
      name: 'ModelError from a busy container (503)',
      backendReply: { kind: 'container', status: 503, body: secret },
      status: 503,
      code: 'MODEL_BUSY',
      attempts: 1,
    },
    {
      name: 'ValidationError',
      backendReply: {
        kind: 'aws-error',
        status: 400,
        type: 'ValidationError',
        message: `Endpoint ${SINGLE} of account 123456789012 not found.`,
      },
      status: 502,
      code: 'ENDPOINT_REJECTED',
      attempts: 1,
    },
    {
      name: 'ThrottlingException',
      backendReply: { kind: 'aws-error', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
      status: 429,
      code: 'THROTTLED',
      attempts: spec.invoker.maxAttempts,
    },
    {
      name: 'ModelNotReadyException',
      backendReply: { kind: 'aws-error', status: 429, type: 'ModelNotReadyException', message: 'not ready' },
      status: 503,
      code: 'MODEL_NOT_READY',
      attempts: spec.invoker.maxAttempts,
    },
    {
      name: 'ServiceUnavailable',
      backendReply: { kind: 'aws-error', status: 503, type: 'ServiceUnavailable', message: 'unavailable' },
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      attempts: spec.invoker.maxAttempts,
    },
    {
      name: 'InternalFailure',
      backendReply: { kind: 'aws-error', status: 500, type: 'InternalFailure', message: secret },
      status: 502,
      code: 'ENDPOINT_FAILURE',
      attempts: spec.invoker.maxAttempts,
    },
    {
      name: 'a reply that breaks the wire contract',
      backendReply: { kind: 'container', status: 200, body: '{"predictions":"nope"}' },
      status: 502,
      code: 'BAD_MODEL_RESPONSE',
      attempts: 1,
    },
    {
      name: 'an endpoint that never answers',
      backendReply: { kind: 'hang' },
      status: 504,
      code: 'ENDPOINT_TIMEOUT',
      attempts: spec.invoker.maxAttempts,
    },
  ];
  it.each(errorCases)(
    '$name → $status $code (SDK attempts: $attempts)',
    async ({ backendReply, status, code, attempts }) => {
      singleBackend = reply(backendReply);
      const png = await solidImage('png');
      const before = server.calls.length;
      const res = await handler({ image: png.toString('base64') }, lambdaContext('it-err'));
      expect(res.statusCode).toBe(status);
      const body = ErrorBodySchema.parse(parse(res.body));
      expect(body.error).toMatchObject({ code, requestId: 'it-err' });
      expect(res.body).not.toContain('secret');
      expect(res.body).not.toContain('123456789012');
      if (status === 429 || status === 503)
        expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
      expect(server.calls.length - before).toBe(attempts);
    },
  );
});

describe('bundled handler (dist/apps/invoker/index.mjs) in a fresh Node process', () => {
  beforeAll(async () => {
    await ensureInvokerBundle();
  }, 180_000);

  it('loads, honours AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, signs, and maps errors like the sources (zod loaded on demand)', async () => {
    singleBackend = cannedBackend();
    const png = await solidImage('png');
    const before = server.calls.length;
    const run = await runBundle(
      [
        rawImageHttpEvent(png, 'image/png', { topK: '1' }),
        { image: png.toString('base64'), endpoint: 'multi' },
        { image: 'not base64' },
        // The plain check hands this one to the schema, in the chunk the bundle loads on first need.
        { image: png.toString('base64'), topK: 0 },
      ],
      invokerEnv(server.url),
    );
    const [ok, multi, bad, outOfRange] = run.results;
    expect(ok?.statusCode).toBe(200);
    expect(parse(ok?.body ?? '')).toMatchObject({ endpoint: SINGLE, predictions: [{ label: 'beagle' }] });
    expect(parse(multi?.body ?? '')).toMatchObject({ endpoint: MULTI });
    expect(bad?.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(parse(bad?.body ?? '')).error.code).toBe('INVALID_BASE64');
    expect(outOfRange?.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(parse(outOfRange?.body ?? '')).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('topK'),
    });
    expect(
      server.calls
        .slice(before)
        .map((c) => [
          c.endpointName,
          c.signature.ok,
          c.headers['content-type'],
          c.headers['x-amzn-sagemaker-custom-attributes'],
          c.body.equals(png),
        ]),
    ).toEqual([
      [SINGLE, true, 'image/png', 'topK=1', true],
      [MULTI, true, 'image/png', `topK=${spec.invoker.defaultTopK}`, true],
    ]);
  });
});

const modelServerMissing = !existsSync(modelServerBundle());

describe('with the real model server behind the protocol server', () => {
  let modelServer: ModelServerProcess | undefined;
  const modelServerUrl = () => {
    if (!modelServer) throw new Error('model server not started');
    return modelServer.url;
  };
  let modelDir: string | undefined;

  beforeAll(async () => {
    if (modelServerMissing) return;
    modelDir = mkdtempSync(join(tmpdir(), 'invoker-model-'));
    await createTinyModelDir(modelDir, { modelVersion: 'invoker-it-1' });
    modelServer = await startModelServer(modelDir);
  }, 180_000);

  afterAll(async () => {
    await modelServer?.stop();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
  });

  it.skipIf(modelServerMissing)(
    'classifies a solid red PNG as class 0 (red_dog), sources and bundle alike',
    async () => {
      // Record the container's own replies: top-K must reach it in the custom attributes (the handler trims anyway).
      const containerReplies: BackendReply[] = [];
      singleBackend = async (req) => {
        const r = await httpBackend(modelServerUrl())(req);
        containerReplies.push(r);
        return r;
      };
      const red = await solidImage('png', { r: 255, g: 0, b: 0 });
      const res = await handler(rawImageHttpEvent(red, 'image/png', { topK: '2' }), lambdaContext('it-real'));
      expect(res.statusCode, res.body).toBe(200);
      const body = parse(res.body);
      expect(body).toMatchObject({ endpoint: SINGLE, modelVersion: 'invoker-it-1' });
      const prediction = PredictionResponseSchema.parse(body);
      expect(prediction.predictions).toHaveLength(2);
      expect(prediction.predictions[0]?.label).toBe('red_dog');
      const fromContainer = containerReplies.at(-1);
      expect(
        fromContainer?.kind === 'container' &&
          PredictionResponseSchema.parse(JSON.parse(fromContainer.body.toString())).predictions,
      ).toHaveLength(2);

      const green = await solidImage('jpeg', { r: 0, g: 255, b: 0 });
      const run = await runBundle([{ image: green.toString('base64'), topK: 1 }], invokerEnv(server.url));
      expect(run.results[0]?.statusCode).toBe(200);
      expect(PredictionResponseSchema.parse(parse(run.results[0]?.body ?? '')).predictions[0]?.label).toBe(
        'green_dog',
      );
    },
  );

  it.skipIf(modelServerMissing)(
    'a truncated JPEG the model cannot decode → 400 with the model code, not its message',
    async () => {
      singleBackend = httpBackend(modelServerUrl());
      const jpeg = await solidImage('jpeg');
      const truncated = jpeg.subarray(0, 40);
      const res = await handler({ image: truncated.toString('base64') }, lambdaContext('it-trunc'));
      expect(res.statusCode).toBe(400);
      const body = ErrorBodySchema.parse(parse(res.body));
      expect(body.error.code).toBe('MODEL_REJECTED_INPUT');
      expect(body.error.message).toMatch(/status 400, code [A-Z_]+/);
    },
  );
});
