import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '@dogbreed/platform-spec';
import { makeModelsDir, noisyPng, removeDir, startStack, waitFor, type RunningStack } from './harness.js';

const spec = buildSpec();
const reserved = spec.invoker.reservedConcurrency;
let modelsDir: string;
let stack: RunningStack | undefined;
let image: Buffer;

beforeAll(async () => {
  // Honest slowness: a heavier model (extra MLP) and a large noisy image that costs real decoding time,
  // plus the cold start of each new execution environment (importing the bundle).
  modelsDir = await makeModelsDir({ hidden: 1024, layers: 6 });
  image = await noisyPng(1400);
  stack = await startStack(modelsDir);
});

afterAll(async () => {
  await stack?.stop();
  removeDir(modelsDir);
});

describe(`reserved concurrency ${reserved}`, () => {
  it(`${reserved * 2} concurrent slow requests: exactly ${reserved} run, the rest get 429 at once`, async () => {
    const url = stack?.url as string;
    const body = JSON.stringify({ image: image.toString('base64'), topK: 3 });
    // First half through the function URL: they occupy every execution slot.
    const viaUrl = Array.from({ length: reserved }, () =>
      fetch(`${url}/function-url/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      })),
    );
    await waitFor(`${reserved} concurrent executions`, async () =>
      (await stack?.health())?.lambda.concurrentExecutions === reserved ? true : undefined, 30_000, 10);
    // Second half through the Lambda Invoke API while all slots are busy.
    const client = new LambdaClient({ endpoint: url, region: spec.project.region, credentials: { accessKeyId: 't', secretAccessKey: 't' }, maxAttempts: 1 });
    const viaSdk = Array.from({ length: reserved }, () =>
      client.send(new InvokeCommand({ FunctionName: spec.invoker.functionName, Payload: Buffer.from(body) })).then(
        (out) => ({ ok: true as const, out }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
    );
    const sdkResults = await Promise.all(viaSdk);
    const urlResults = await Promise.all(viaUrl);

    expect(urlResults.map((r) => r.status)).toEqual(Array(reserved).fill(200));
    for (const r of urlResults) expect((r.body['predictions'] as unknown[]).length).toBe(3);
    expect(sdkResults.filter((r) => r.ok)).toHaveLength(0);
    for (const r of sdkResults) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.err).toBeInstanceOf(TooManyRequestsException);
      expect(r.err).toMatchObject({
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        Type: 'User',
        $metadata: { httpStatusCode: 429 },
      });
    }

    const m = await waitFor('the throttles in a closed period', async () => {
      const x = await stack?.metrics();
      return x && x.lambda.series.reduce((n, p) => n + p.throttles, 0) === reserved ? x : undefined;
    });
    expect(m.lambda.maxConcurrentExecutions).toBe(reserved);
    expect(m.lambda.totalThrottles).toBe(reserved);
    expect(Math.max(...m.lambda.series.map((p) => p.concurrentExecutions))).toBe(reserved);
    client.destroy();
  });

  it('the function URL answers a throttle with 429 {"Message":"Rate Exceeded."}', async () => {
    const url = stack?.url as string;
    const body = JSON.stringify({ image: image.toString('base64'), topK: 1 });
    const held = Array.from({ length: reserved }, () =>
      fetch(`${url}/function-url/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status),
    );
    await waitFor('all slots busy', async () => ((await stack?.health())?.lambda.concurrentExecutions === reserved ? true : undefined), 30_000, 5);
    const extra = await fetch(`${url}/function-url/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(extra.status).toBe(429);
    expect(extra.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(await extra.json()).toEqual({ Message: 'Rate Exceeded.' });
    expect(await Promise.all(held)).toEqual(Array(reserved).fill(200));
    expect((await stack?.metrics())?.lambda.maxConcurrentExecutions).toBe(reserved);
  });
});
