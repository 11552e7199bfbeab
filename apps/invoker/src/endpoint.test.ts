import {
  InternalDependencyException,
  InternalFailure,
  InvokeEndpointCommand,
  ModelError,
  ModelNotReadyException,
  SageMakerRuntimeClient,
  SageMakerRuntimeServiceException,
  ServiceUnavailable,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { ErrorBodySchema, HttpError } from '@dogbreed/platform-spec';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { invokeEndpoint, invokeEndpointInput, mapEndpointError, modelErrorCode } from './endpoint.js';
import { errorHeaders, RETRY_AFTER_SECONDS } from './errors.js';
import { checkBase64Image, checkImageBytes, type CheckedImage } from './image.js';
import { solidImage } from '../tests/support/images.js';

const smMock = mockClient(SageMakerRuntimeClient);
afterEach(() => smMock.reset());

const client = () => new SageMakerRuntimeClient({ region: 'us-east-1', maxAttempts: 1 });
const prediction = {
  predictions: [{ label: 'beagle', index: 3, probability: 0.9 }],
  modelVersion: 'm-1',
  timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 3 },
};
const ok = (body: unknown) => ({
  Body: Buffer.from(JSON.stringify(body)) as never,
  ContentType: 'application/json',
  InvokedProductionVariant: 'AllTraffic',
});
const meta = { $metadata: {} };
/** Any valid image for the calls whose request does not matter. */
const anyImage: CheckedImage = { bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0]), type: 'image/jpeg' };

async function failure(err: unknown): Promise<HttpError> {
  smMock.on(InvokeEndpointCommand).rejects(err as Error);
  try {
    await invokeEndpoint(client(), { endpointName: 'ep', image: anyImage, topK: 1 });
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    const body = ErrorBodySchema.parse((e as HttpError).toJSON('r-1'));
    expect(body.error.requestId).toBe('r-1');
    return e as HttpError;
  }
  throw new Error('expected a rejection');
}

describe('invokeEndpoint', () => {
  it('sends the raw image bytes with their media type and topK in CustomAttributes, and returns the validated reply', async () => {
    smMock.on(InvokeEndpointCommand).resolves(ok(prediction));
    const png = await solidImage('png');
    const image = checkBase64Image(png.toString('base64'), 1e6);
    const out = await invokeEndpoint(client(), { endpointName: 'dogbreed-single-instance', image, topK: 4 });
    expect(out).toEqual({ prediction, variant: 'AllTraffic' });
    const input = smMock.commandCalls(InvokeEndpointCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      EndpointName: 'dogbreed-single-instance',
      ContentType: 'image/png',
      Accept: 'application/json',
      CustomAttributes: 'topK=4',
    });
    expect(Buffer.from(input?.Body as Uint8Array).equals(png)).toBe(true);
  });

  it.each(['jpeg', 'webp'] as const)('sends a %s as image/%s, byte for byte', async (format) => {
    const bytes = await solidImage(format);
    const input = invokeEndpointInput('ep', checkImageBytes(bytes, 1e6), 1);
    expect(input.ContentType).toBe(`image/${format}`);
    expect(input.CustomAttributes).toBe('topK=1');
    expect(Buffer.from(input.Body as Uint8Array).equals(bytes)).toBe(true);
  });

  it("keeps the model server's dog verdict in the parsed reply", async () => {
    const withDog = { ...prediction, dog: { probability: 0.12, isDog: false } };
    smMock.on(InvokeEndpointCommand).resolves(ok(withDog));
    const out = await invokeEndpoint(client(), { endpointName: 'ep', image: anyImage, topK: 1 });
    expect(out.prediction).toEqual(withDog);
    // What the invoker answers is this object re-serialized: the field survives the round trip.
    expect(JSON.parse(JSON.stringify(out.prediction)).dog).toEqual({ probability: 0.12, isDog: false });
  });

  it('maps a reply that is not JSON to 502 BAD_MODEL_RESPONSE', async () => {
    smMock.on(InvokeEndpointCommand).resolves({ Body: Buffer.from('<html>') as never });
    await expect(
      invokeEndpoint(client(), { endpointName: 'ep', image: anyImage, topK: 1 }),
    ).rejects.toMatchObject({
      statusCode: 502,
      code: 'BAD_MODEL_RESPONSE',
    });
  });

  it('maps a reply that breaks the wire contract to 502 BAD_MODEL_RESPONSE', async () => {
    smMock.on(InvokeEndpointCommand).resolves(ok({ predictions: [{ label: 'x', probability: 2 }] }));
    await expect(
      invokeEndpoint(client(), { endpointName: 'ep', image: anyImage, topK: 1 }),
    ).rejects.toMatchObject({
      statusCode: 502,
      code: 'BAD_MODEL_RESPONSE',
    });
  });
});

describe('error mapping (aws-sdk-client-mock)', () => {
  it('ValidationError (e.g. endpoint not found) → 502 ENDPOINT_REJECTED, account id redacted', async () => {
    const e = await failure(
      new ValidationError({ ...meta, message: 'Endpoint ep of account 123456789012 not found.' }),
    );
    expect(e).toMatchObject({ statusCode: 502, code: 'ENDPOINT_REJECTED' });
    expect(e.message).not.toContain('123456789012');
  });

  it('ModelError from a failing model (5xx) → 502 MODEL_ERROR with the code, not the message', async () => {
    const original = JSON.stringify({
      error: { code: 'INFERENCE_FAILED', message: 'onnxruntime: secret stack trace at /opt/ml' },
    });
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'Received server error (500) from primary',
        OriginalStatusCode: 500,
        OriginalMessage: original,
      }),
    );
    expect(e).toMatchObject({ statusCode: 502, code: 'MODEL_ERROR' });
    expect(e.message).toContain('INFERENCE_FAILED');
    expect(e.message).not.toContain('secret');
    expect(e.message).not.toContain('/opt/ml');
  });

  it("ModelError 422 NOT_A_DOG → the invoker's own 422 NOT_A_DOG with the model server's message", async () => {
    const message = 'this photo does not look like a dog: dog probability 0.123 is below the threshold 0.5';
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'Received client error (422) from primary',
        OriginalStatusCode: 422,
        OriginalMessage: JSON.stringify({ error: { code: 'NOT_A_DOG', message, requestId: 'srv-1' } }),
      }),
    );
    expect(e).toMatchObject({ statusCode: 422, code: 'NOT_A_DOG', message });
  });

  it('ModelError 422 NOT_A_DOG with an overlong message passes on a bounded one', async () => {
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'x',
        OriginalStatusCode: 422,
        OriginalMessage: JSON.stringify({ error: { code: 'NOT_A_DOG', message: 'x'.repeat(5000) } }),
      }),
    );
    expect(e).toMatchObject({ statusCode: 422, code: 'NOT_A_DOG' });
    expect(e.message.length).toBe(300);
  });

  it('ModelError 422 with another code stays a 400 MODEL_REJECTED_INPUT, its text not passed on', async () => {
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'x',
        OriginalStatusCode: 422,
        OriginalMessage: JSON.stringify({ error: { code: 'SOMETHING_ELSE', message: 'secret' } }),
      }),
    );
    expect(e).toMatchObject({ statusCode: 400, code: 'MODEL_REJECTED_INPUT' });
    expect(e.message).not.toContain('secret');
  });

  it('ModelError whose message is not JSON → 502 MODEL_ERROR without any of it', async () => {
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'x',
        OriginalStatusCode: 500,
        OriginalMessage: 'Traceback: secret',
      }),
    );
    expect(e).toMatchObject({ statusCode: 502, code: 'MODEL_ERROR' });
    expect(e.message).not.toContain('secret');
  });

  it.each([
    [400, 400, 'MODEL_REJECTED_INPUT'],
    [413, 413, 'IMAGE_TOO_LARGE'],
    [415, 415, 'UNSUPPORTED_IMAGE_TYPE'],
    [503, 503, 'MODEL_BUSY'],
    [429, 503, 'MODEL_BUSY'],
    [undefined, 502, 'MODEL_ERROR'],
  ])('ModelError with OriginalStatusCode %s → %d %s', async (original, status, code) => {
    const e = await failure(
      new ModelError({
        ...meta,
        message: 'x',
        OriginalStatusCode: original,
        OriginalMessage: '{"error":{"code":"IMAGE_DECODE_FAILED","message":"m"}}',
      }),
    );
    expect(e).toMatchObject({ statusCode: status, code });
  });

  it('ModelNotReadyException → 503 MODEL_NOT_READY with Retry-After', async () => {
    const e = await failure(new ModelNotReadyException({ ...meta, message: 'not ready' }));
    expect(e).toMatchObject({
      statusCode: 503,
      code: 'MODEL_NOT_READY',
    });
    expect(errorHeaders(e)).toEqual({ 'retry-after': String(RETRY_AFTER_SECONDS) });
  });

  it('ServiceUnavailable → 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
    const e = await failure(new ServiceUnavailable({ ...meta, message: 'unavailable' }));
    expect(e).toMatchObject({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(errorHeaders(e)).toEqual({ 'retry-after': String(RETRY_AFTER_SECONDS) });
  });

  it('ThrottlingException → 429 THROTTLED with Retry-After', async () => {
    const e = await failure(
      new SageMakerRuntimeServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    expect(e).toMatchObject({
      statusCode: 429,
      code: 'THROTTLED',
    });
    expect(errorHeaders(e)).toEqual({ 'retry-after': String(RETRY_AFTER_SECONDS) });
  });

  it('an unmodelled error with HTTP 429 → 429 THROTTLED', async () => {
    const e = await failure(
      new SageMakerRuntimeServiceException({
        name: 'SomethingNew',
        $fault: 'client',
        $metadata: { httpStatusCode: 429 },
        message: 'slow down',
      }),
    );
    expect(e).toMatchObject({ statusCode: 429, code: 'THROTTLED' });
  });

  it.each([
    [
      'TimeoutError (requestTimeout)',
      Object.assign(new Error('a request has exceeded the configured 100 ms requestTimeout'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
    ],
    [
      'TimeoutError (connection)',
      Object.assign(new Error('did not establish a connection'), { name: 'TimeoutError' }),
    ],
    ['AbortError (deadline)', Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })],
  ])('%s → 504 ENDPOINT_TIMEOUT', async (_name, err) => {
    expect(await failure(err)).toMatchObject({ statusCode: 504, code: 'ENDPOINT_TIMEOUT' });
  });

  it.each([
    ['InternalFailure', new InternalFailure({ ...meta, message: 'boom' })],
    ['InternalDependencyException', new InternalDependencyException({ ...meta, message: 'dep' })],
    [
      'an unmodelled server fault',
      new SageMakerRuntimeServiceException({
        name: 'Weird',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'x',
      }),
    ],
  ])('%s → 502 ENDPOINT_FAILURE', async (_name, err) => {
    expect(await failure(err)).toMatchObject({ statusCode: 502, code: 'ENDPOINT_FAILURE' });
  });

  it.each([
    ['a TypeError', new TypeError('cannot read properties of undefined')],
    ['a non-error value', 'weird'],
    [
      'an unmodelled client fault',
      new SageMakerRuntimeServiceException({ name: 'Odd', $fault: 'client', $metadata: {}, message: 'x' }),
    ],
  ])('%s → 500 INTERNAL_ERROR with a generic message', async (_name, err) => {
    const e = mapEndpointError(err);
    expect(e).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error' });
  });

  it('passes HttpErrors through unchanged', () => {
    const e = new HttpError('MODEL_BUSY', 'no');
    expect(mapEndpointError(e)).toBe(e);
  });
});

describe('modelErrorCode', () => {
  it('extracts the code from an ErrorBodySchema message and nothing else', () => {
    expect(modelErrorCode('{"error":{"code":"INVALID_TOP_K","message":"m"}}')).toBe('INVALID_TOP_K');
    expect(modelErrorCode('{"error":{"code":"lower","message":"m"}}')).toBeUndefined();
    expect(modelErrorCode('plain text')).toBeUndefined();
    expect(modelErrorCode(undefined)).toBeUndefined();
  });
});
