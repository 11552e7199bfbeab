import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient, RequestTooLargeException } from '@aws-sdk/client-lambda';
import {
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { solidPng } from '@dogbreed/testing';
import { workspaceRoot } from '@dogbreed/workspace';
import {
  buildSpec,
  LAMBDA_LIMITS,
  PredictionResponseSchema,
  SAGEMAKER_RUNTIME_LIMITS,
} from '@dogbreed/platform-spec';
import { instancePids, pidsAlive, RED, useStack } from './harness.js';

// What AWS refuses at its front doors, answered the AWS way: oversize bodies (read by a client that sends the whole
// body before it reads, Python's urllib), SageMaker's header checks, and Lambda's log tail.

const spec = buildSpec();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const MB30 = 30 * 1000 * 1000;
const URLLIB_POST = join(workspaceRoot(), 'tools/testing/urllib_post.py');
const PYTHON = 'python3';
const fixture = useStack();
let red: Buffer;

beforeAll(async () => {
  red = await solidPng(RED);
});

interface UrllibReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function urllibPost(url: string, size: number, contentType = 'application/json'): Promise<UrllibReply> {
  const { stdout } = await promisify(execFile)(PYTHON, [URLLIB_POST, url, String(size), contentType], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as UrllibReply;
}

const lambdaTooLarge = `Request must be smaller than ${spec.invoker.maxRequestBytes} bytes for the InvokeFunction operation`;

describe('oversize bodies: the client reads the error (Python urllib, 30 MB)', () => {
  it('function URL → 413 {"Message": ...} as Lambda words it', async () => {
    const r = await urllibPost(`${fixture.stack.url}/function-url/`, MB30);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ Message: lambdaTooLarge });
  });

  it('Lambda Invoke API → 413 RequestTooLargeException', async () => {
    const r = await urllibPost(
      `${fixture.stack.url}/2015-03-31/functions/${spec.invoker.functionName}/invocations`,
      MB30,
    );
    expect(r.status).toBe(413);
    expect(Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1]).toBe(
      'RequestTooLargeException',
    );
    expect(JSON.parse(r.body)).toMatchObject({ Message: lambdaTooLarge });
  });

  it('InvokeEndpoint → 400 ValidationError "oversize body"', async () => {
    const r = await urllibPost(
      `${fixture.stack.url}/endpoints/${spec.endpoints.single.name}/invocations`,
      MB30,
      'image/png',
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({
      message: expect.stringMatching(/^Request \S+ has oversize body\.$/),
    });
  });

  it('the stack and every instance are still up and serving', async () => {
    const pids = await instancePids(fixture.stack);
    expect(pidsAlive(pids)).toEqual(pids);
    const client = new SageMakerRuntimeClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
    });
    const out = await client.send(
      new InvokeEndpointCommand({
        EndpointName: spec.endpoints.single.name,
        ContentType: 'image/png',
        Body: red,
      }),
    );
    expect(
      PredictionResponseSchema.parse(JSON.parse(Buffer.from(out.Body as Uint8Array).toString()))
        .predictions[0]?.label,
    ).toBe('red_dog');
    client.destroy();
  });
});

describe('SageMaker front-door validation with the real @aws-sdk/client-sagemaker-runtime', () => {
  const send = async (input: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]>) => {
    const client = new SageMakerRuntimeClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
      maxAttempts: 1,
    });
    try {
      return await client
        .send(
          new InvokeEndpointCommand({
            EndpointName: spec.endpoints.single.name,
            ContentType: 'image/png',
            Body: red,
            ...input,
          }),
        )
        .catch((e: unknown) => e);
    } finally {
      client.destroy();
    }
  };
  const max = SAGEMAKER_RUNTIME_LIMITS.maxCustomAttributesChars;

  it(`CustomAttributes of ${max} characters reaches the container`, async () => {
    const out = await send({ CustomAttributes: `topK=1;pad=${'x'.repeat(max - 'topK=1;pad='.length)}` });
    expect(out).not.toBeInstanceOf(Error);
  });

  it.each([
    [
      'CustomAttributes over 1,024 characters',
      { CustomAttributes: `topK=1;pad=${'x'.repeat(max)}` },
      /customAttributes.*length less than or equal to 1024/,
    ],
    [
      'CustomAttributes outside ASCII',
      { CustomAttributes: 'topK=1;name=café' },
      /customAttributes.*\\p\{ASCII\}\*/,
    ],
    [
      'ContentType over 1,024 characters',
      { ContentType: `image/${'p'.repeat(SAGEMAKER_RUNTIME_LIMITS.maxContentTypeChars)}` },
      /contentType.*length/,
    ],
    [
      'a body over the 6 MB payload limit',
      { Body: new Uint8Array(SAGEMAKER_RUNTIME_LIMITS.maxPayloadBytes + 1) },
      /has oversize body/,
    ],
  ])('%s → ValidationError 400, never the container', async (_what, input, message) => {
    const err = await send(input);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(message);
  });
});

describe('Lambda Invoke with the real @aws-sdk/client-lambda', () => {
  it("LogType 'Tail' returns the last 4 KB of that execution's log, base64, in LogResult", async () => {
    const client = new LambdaClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
    });
    const payload = Buffer.from(JSON.stringify({ image: red.toString('base64'), topK: 1 }));
    const out = await client.send(
      new InvokeCommand({ FunctionName: spec.invoker.functionName, Payload: payload, LogType: 'Tail' }),
    );
    const log = Buffer.from(out.LogResult as string, 'base64');
    expect(log.length).toBeGreaterThan(0);
    expect(log.length).toBeLessThanOrEqual(LAMBDA_LIMITS.logResultTailBytes);
    const text = log.toString('utf8');
    const id = /END RequestId: (\S+)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text).toMatch(
      new RegExp(
        `REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: ${spec.invoker.memoryMb} MB`,
      ),
    );

    const plain = await client.send(
      new InvokeCommand({ FunctionName: spec.invoker.functionName, Payload: payload }),
    );
    expect(plain.LogResult).toBeUndefined();
    client.destroy();
  });

  it('a payload over 6 MB → RequestTooLargeException 413', async () => {
    const client = new LambdaClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
      maxAttempts: 1,
    });
    const err = await client
      .send(
        new InvokeCommand({
          FunctionName: spec.invoker.functionName,
          Payload: new Uint8Array(spec.invoker.maxRequestBytes + 1),
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect(err).toMatchObject({ message: lambdaTooLarge, $metadata: { httpStatusCode: 413 } });
    client.destroy();
  });
});
