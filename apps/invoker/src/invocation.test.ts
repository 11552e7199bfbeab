import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
} from '@aws-sdk/client-sagemaker-runtime';
import { ErrorBodySchema, PredictionResponseSchema } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointBudgetMs, RESPONSE_RESERVE_MS, runInvocation } from './invocation.js';
import { configFor } from '../tests/support/env.js';
import { jsonHttpEvent, rawImageHttpEvent } from '../tests/support/fixtures.js';
import { solidImage } from '../tests/support/images.js';

const smMock = mockClient(SageMakerRuntimeClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  smMock.reset();
  s3Mock.reset();
});

const spec = specWith({});
const prediction = {
  predictions: [
    { label: 'beagle', index: 3, probability: 0.7 },
    { label: 'pug', index: 5, probability: 0.2 },
    { label: 'collie', index: 1, probability: 0.1 },
  ],
  modelVersion: 'm-1',
  timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 3 },
};
const reply = {
  Body: Buffer.from(JSON.stringify(prediction)) as never,
  InvokedProductionVariant: 'AllTraffic',
};

/** The input of the (first) InvokeEndpoint command sent. */
const sentInput = () => smMock.commandCalls(InvokeEndpointCommand)[0]?.args[0].input;

function deps(env: NodeJS.ProcessEnv = {}) {
  const config = configFor(spec, env);
  return {
    config,
    runtime: new SageMakerRuntimeClient({ region: 'us-east-1', maxAttempts: 1 }),
    s3: config.inputBucket ? new S3Client({ region: 'us-east-1', maxAttempts: 1 }) : undefined,
  };
}

describe('runInvocation', () => {
  it('raw image via function URL → 200 with the prediction plus the endpoint name', async () => {
    smMock.on(InvokeEndpointCommand).resolves(reply);
    const png = await solidImage('png');
    const out = await runInvocation(
      rawImageHttpEvent(png, 'image/png', { topK: '2' }),
      { requestId: 'r-1' },
      deps(),
    );
    expect(out.result.statusCode).toBe(200);
    expect(out.result.headers).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'r-1',
      'x-invoked-production-variant': 'AllTraffic',
    });
    const body = JSON.parse(out.result.body);
    expect(PredictionResponseSchema.parse(body)).toBeTruthy();
    expect(body.endpoint).toBe(spec.endpoints.single.name);
    expect(body.predictions).toHaveLength(2);
    expect(out.endpointName).toBe(spec.endpoints.single.name);
    const sent = sentInput();
    expect(sent).toMatchObject({
      ContentType: 'image/png',
      Accept: 'application/json',
      CustomAttributes: 'topK=2',
      // The request id as SageMaker's InferenceId: data capture records it for both variants of a shadow.
      InferenceId: 'r-1',
    });
    expect(Buffer.from(sent?.Body as Uint8Array).equals(png)).toBe(true);
    expect(out.answerConfidence).toBe(0.7);
  });

  it('JSON body choosing "multi" calls the multi endpoint named by the environment', async () => {
    smMock.on(InvokeEndpointCommand, { EndpointName: 'prod-multi' }).resolves(reply);
    const jpeg = await solidImage('jpeg');
    const out = await runInvocation(
      jsonHttpEvent({ image: jpeg.toString('base64'), endpoint: 'multi' }),
      { requestId: 'r-2' },
      deps({ DOGBREED_ENDPOINT_MULTI: 'prod-multi' }),
    );
    expect(out.result.statusCode).toBe(200);
    expect(JSON.parse(out.result.body).endpoint).toBe('prod-multi');
    expect(sentInput()).toMatchObject({
      ContentType: 'image/jpeg',
      CustomAttributes: `topK=${spec.invoker.defaultTopK}`,
    });
    expect(Buffer.from(sentInput()?.Body as Uint8Array).equals(jpeg)).toBe(true);
  });

  it('direct invoke with an s3Uri reads the object from the input bucket', async () => {
    const webp = await solidImage('webp');
    s3Mock.on(GetObjectCommand, { Bucket: 'inputs-bucket', Key: 'inference-inputs/dog.webp' }).resolves({
      ContentLength: webp.length,
      Body: Readable.from([webp]) as never,
    });
    smMock.on(InvokeEndpointCommand).resolves(reply);
    const out = await runInvocation(
      { s3Uri: 's3://inputs-bucket/inference-inputs/dog.webp' },
      { requestId: 'r-3' },
      deps({ DOGBREED_INPUT_BUCKET: 'inputs-bucket' }),
    );
    expect(out.result.statusCode).toBe(200);
    expect(sentInput()).toMatchObject({
      ContentType: 'image/webp',
      CustomAttributes: `topK=${spec.invoker.defaultTopK}`,
    });
    expect(Buffer.from(sentInput()?.Body as Uint8Array).equals(webp)).toBe(true);
  });

  it.each([
    [
      's3Uri without a configured bucket',
      { s3Uri: 's3://inputs-bucket/inference-inputs/x.png' },
      400,
      'S3_INPUT_DISABLED',
    ],
    ['a GIF', { image: Buffer.from('GIF89a0000000000').toString('base64') }, 415, 'UNSUPPORTED_IMAGE_TYPE'],
    ['bad base64', { image: 'not base64!' }, 400, 'INVALID_BASE64'],
    ['bad topK', { image: 'AAAA', topK: 0 }, 400, 'INVALID_REQUEST'],
  ])('%s → %d %s, without calling the endpoint', async (_name, event, status, code) => {
    const out = await runInvocation(event, { requestId: 'r-4' }, deps());
    expect(out.result.statusCode).toBe(status);
    expect(ErrorBodySchema.parse(JSON.parse(out.result.body))).toEqual({
      error: { code, message: expect.any(String), requestId: 'r-4' },
    });
    expect(smMock.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  it("accepts an image of exactly the spec's limit (4.5 MiB, no base64 headroom needed) and sends it raw", async () => {
    const limit = spec.invoker.maxImageBytes;
    expect(limit).toBe(Math.floor(4.5 * 1024 * 1024));
    // Only the magic bytes are checked here; the model server (mocked) would decode it.
    const png = Buffer.alloc(limit);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    smMock.on(InvokeEndpointCommand).resolves(reply);
    const out = await runInvocation(rawImageHttpEvent(png, 'image/png'), { requestId: 'r-5a' }, deps());
    expect(out.result.statusCode).toBe(200);
    const body = sentInput()?.Body as Uint8Array;
    expect(body.byteLength).toBe(limit);
    expect(body.byteLength).toBeLessThanOrEqual(spec.modelServer.maxBodyBytes);
  });

  it('an image one byte over the spec limit → 413 IMAGE_TOO_LARGE before any call', async () => {
    const png = Buffer.alloc(spec.invoker.maxImageBytes + 1);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    const out = await runInvocation(rawImageHttpEvent(png, 'image/png'), { requestId: 'r-5b' }, deps());
    expect(out.result.statusCode).toBe(413);
    expect(out.error?.code).toBe('IMAGE_TOO_LARGE');
    expect(smMock.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  it('an overridden (smaller) spec image limit → 413 before any call', async () => {
    const png = await solidImage('png', { r: 1, g: 2, b: 3 }, 64);
    const config = configFor(specWith({ invoker: { maxImageBytes: 200 } }));
    expect(png.length).toBeGreaterThan(200);
    const out = await runInvocation(
      { image: png.toString('base64') },
      { requestId: 'r-5' },
      { ...deps(), config },
    );
    expect(out.result.statusCode).toBe(413);
    expect(smMock.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  it('a throttled call → 429 with Retry-After in the response headers', async () => {
    smMock.on(InvokeEndpointCommand).rejects(
      new SageMakerRuntimeServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: {},
        message: 'x',
      }),
    );
    const png = await solidImage('png');
    const out = await runInvocation({ image: png.toString('base64') }, { requestId: 'r-6' }, deps());
    expect(out.result.statusCode).toBe(429);
    expect(out.result.headers['retry-after']).toMatch(/^\d+$/);
    expect(out.error?.code).toBe('THROTTLED');
    expect(out.endpointMs).toBeGreaterThanOrEqual(0);
  });
});

describe('endpointBudgetMs', () => {
  it('is the configured budget, cut to the time the function has left minus a reserve', () => {
    const c = { endpointTimeoutMs: spec.invoker.endpointTimeoutMs };
    expect(endpointBudgetMs(c)).toBe(spec.invoker.endpointTimeoutMs);
    expect(endpointBudgetMs(c, spec.invoker.timeoutSeconds * 1000)).toBe(spec.invoker.endpointTimeoutMs);
    expect(endpointBudgetMs(c, RESPONSE_RESERVE_MS + 1000)).toBe(1000);
    expect(endpointBudgetMs(c, 10)).toBe(1);
  });
});
