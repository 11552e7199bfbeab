import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '@dogbreed/platform-spec';
import { solidPng } from '@dogbreed/testing';
import { holdInstances, RED, settle, useStack, waitFor, type RunningStack } from './harness.js';

// Requests are held open by stopping the model servers (SIGSTOP) until the test releases them, never by hoping
// they are slow: every invoke that reaches the function waits in InvokeEndpoint for exactly as long as the test says.

const spec = buildSpec();
const reserved = spec.invoker.reservedConcurrency;
const fixture = useStack();
let body: string;

beforeAll(async () => {
  body = JSON.stringify({ image: (await solidPng(RED)).toString('base64'), topK: 1 });
});

function postFunctionUrl(url: string) {
  return fetch(`${url}/function-url/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
}

async function allSlotsBusy(s: RunningStack) {
  await waitFor(`${reserved} concurrent executions`, async () =>
    (await s.health()).lambda.concurrentExecutions === reserved ? true : undefined,
  );
}

describe(`reserved concurrency ${reserved}`, () => {
  it(`${reserved * 2} concurrent requests while every instance is held: exactly ${reserved} run, the rest get 429 at once`, async () => {
    const s = fixture.stack;
    const client = new LambdaClient({
      endpoint: s.url,
      region: spec.project.region,
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
      maxAttempts: 1,
    });
    const hold = await holdInstances(s);
    try {
      // First half through the function URL: they occupy every execution slot and wait on the held instances.
      const viaUrl = Array.from({ length: reserved }, () => settle(postFunctionUrl(s.url)));
      await allSlotsBusy(s);
      // Second half through the Lambda Invoke API while all slots are certainly busy.
      const sdkResults = await Promise.all(
        Array.from({ length: reserved }, () =>
          settle(
            client.send(
              new InvokeCommand({ FunctionName: spec.invoker.functionName, Payload: Buffer.from(body) }),
            ),
          ),
        ),
      );
      hold.release();
      const urlResults = await Promise.all(viaUrl);

      expect(urlResults.map((r) => (r.ok ? r.value.status : String(r.error)))).toEqual(
        Array(reserved).fill(200),
      );
      for (const r of urlResults) if (r.ok) expect(r.value.body['predictions']).toHaveLength(1);
      expect(sdkResults.filter((r) => r.ok)).toHaveLength(0);
      for (const r of sdkResults) {
        if (r.ok) continue;
        expect(r.error).toBeInstanceOf(TooManyRequestsException);
        expect(r.error).toMatchObject({
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          Type: 'User',
          $metadata: { httpStatusCode: 429 },
        });
      }
    } finally {
      hold.release();
      client.destroy();
    }

    const m = await waitFor('the throttles in a closed period', async () => {
      const x = await s.metrics();
      return x.lambda.series.reduce((n, p) => n + p.throttles, 0) === reserved ? x : undefined;
    });
    expect(m.lambda.maxConcurrentExecutions).toBe(reserved);
    expect(m.lambda.totalThrottles).toBe(reserved);
    expect(Math.max(...m.lambda.series.map((p) => p.concurrentExecutions))).toBe(reserved);
  });

  it('the function URL answers a throttle with 429 {"Message":"Rate Exceeded."}', async () => {
    const s = fixture.stack;
    const hold = await holdInstances(s);
    try {
      const held = Array.from({ length: reserved }, () => settle(postFunctionUrl(s.url)));
      await allSlotsBusy(s);
      const extra = await fetch(`${s.url}/function-url/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(extra.status).toBe(429);
      expect(extra.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
      expect(await extra.json()).toEqual({ Message: 'Rate Exceeded.' });
      hold.release();
      const statuses = (await Promise.all(held)).map((r) => (r.ok ? r.value.status : String(r.error)));
      expect(statuses).toEqual(Array(reserved).fill(200));
    } finally {
      hold.release();
    }
    expect((await s.metrics()).lambda.maxConcurrentExecutions).toBe(reserved);
  });

  it('a burst of execution environments leaves no MaxListenersExceededWarning on the stack', () => {
    // Each environment's stdout and stderr reach the stack's stderr; piping them there piled listeners on it.
    expect(fixture.stack.stderr.join('\n')).not.toContain('MaxListenersExceededWarning');
    expect(fixture.stack.stderr.join('\n')).toContain('START RequestId:');
  });
});
