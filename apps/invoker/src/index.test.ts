/** The handler's wiring: Powertools logs (request id) and EMF metrics (latency, errors by code, endpoint). */
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { invokerEnvFor } from '../tests/support/env.js';
import { jsonHttpEvent, lambdaContext } from '../tests/support/fixtures.js';
import { solidImage } from '../tests/support/images.js';
import { isFailedRequest } from './telemetry.js';

/** One metric directive of an EMF record (`_aws.CloudWatchMetrics[i]`). */
interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: { Name: string; Unit: string }[];
}

const smMock = mockClient(SageMakerRuntimeClient);
const saved = { ...process.env };
let handler: typeof import('./index.js').handler;

beforeAll(async () => {
  Object.assign(process.env, {
    ...invokerEnvFor(PLATFORM_SPEC, { DOGBREED_ENDPOINT_SINGLE: 'unit-single' }),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  });
  vi.resetModules();
  ({ handler } = await import('./index.js'));
});
afterAll(() => {
  process.env = saved;
  smMock.restore();
});

async function capture(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const collect = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  // Powertools writes INFO/WARN and EMF to stdout, ERROR to stderr.
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(collect),
    vi.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  try {
    await fn();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('handler', () => {
  it('logs with the request id and publishes latency with the endpoint dimension', async () => {
    smMock.on(InvokeEndpointCommand).resolves({
      Body: Buffer.from(
        JSON.stringify({
          predictions: [],
          modelVersion: 'v',
          timingsMs: { decode: 0, preprocess: 0, inference: 0, total: 0 },
        }),
      ) as never,
    });
    const png = await solidImage('png');
    let result: { statusCode: number } | undefined;
    const out = await capture(async () => {
      result = await handler(
        jsonHttpEvent({ image: png.toString('base64') }, 'http-77'),
        lambdaContext('lambda-77'),
      );
    });
    expect(result?.statusCode).toBe(200);
    const log = out.find((l) => l['message'] === 'invocation');
    expect(log).toMatchObject({
      requestId: 'http-77',
      function_request_id: 'lambda-77',
      endpoint: 'unit-single',
      statusCode: 200,
    });
    // The log line is the EMF record too (telemetry.ts): one line per invocation.
    expect(log).toMatchObject({ endpoint: 'unit-single', Requests: 1, FailedRequests: 0 });
    expect(JSON.stringify(log?.['_aws'])).toContain('"endpoint"');
    expect(out.filter((l) => 'Requests' in l)).toHaveLength(1);
  });

  // The serving stack's rollback alarm reads exactly this shape: namespace, {service, endpoint}, the two names.
  it('publishes Requests and FailedRequests with the same dimensions, so their ratio is the error rate', async () => {
    smMock
      .on(InvokeEndpointCommand)
      .rejects(new ModelError({ $metadata: {}, message: 'x', OriginalStatusCode: 500 }));
    const png = await solidImage('png');
    const out = await capture(() => handler({ image: png.toString('base64') }, lambdaContext('lambda-79')));
    const emf = out.find((l) => 'Requests' in l);
    expect(emf).toMatchObject({
      endpoint: 'unit-single',
      service: PLATFORM_SPEC.invoker.functionName,
      Requests: 1,
      FailedRequests: 1,
    });
    const directive = (emf?.['_aws'] as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(PLATFORM_SPEC.project.name);
    expect(directive?.Dimensions).toEqual([['service', 'endpoint']]);
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'Requests', Unit: 'Count' },
        { Name: 'FailedRequests', Unit: 'Count' },
      ]),
    );
  });

  it.each([
    [200, false],
    [400, false],
    [413, false],
    [429, false],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
  ])('counts status %i as failed: %s', (status, failed) => {
    expect(isFailedRequest(status)).toBe(failed);
  });

  it('does not count a client error (4xx) as a failed request', async () => {
    const out = await capture(() => handler({ image: '%%%' }, lambdaContext('lambda-80')));
    const emf = out.find((l) => 'Requests' in l);
    expect(emf).toMatchObject({ Requests: 1, FailedRequests: 0 });
  });

  it('publishes an Errors metric with the error code as a dimension', async () => {
    smMock
      .on(InvokeEndpointCommand)
      .rejects(new ModelError({ $metadata: {}, message: 'x', OriginalStatusCode: 500 }));
    const png = await solidImage('png');
    let result: { statusCode: number; body: string } | undefined;
    const out = await capture(async () => {
      result = await handler({ image: png.toString('base64') }, lambdaContext('lambda-78'));
    });
    expect(result?.statusCode).toBe(502);
    expect(JSON.parse(result?.body ?? '{}')).toMatchObject({
      error: { code: 'MODEL_ERROR', requestId: 'lambda-78' },
    });
    const errors = out.find((l) => 'Errors' in l);
    expect(errors).toMatchObject({ code: 'MODEL_ERROR', endpoint: 'unit-single', Errors: 1 });
    expect(out.find((l) => l['message'] === 'invocation failed')).toMatchObject({
      level: 'ERROR',
      code: 'MODEL_ERROR',
    });
  });
});
