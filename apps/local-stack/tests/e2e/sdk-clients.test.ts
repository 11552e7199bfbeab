import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSpec, formatCustomAttributes, PredictionResponseSchema } from '@dogbreed/platform-spec';
import { solidPng } from '@dogbreed/testing';
import { instancePids, pidsAlive, RED, useStack, waitFor } from './harness.js';

const spec = buildSpec();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const fixture = useStack();
let red: Buffer;

beforeAll(async () => {
  red = await solidPng(RED);
});

describe('the real AWS SDK clients against the local stack', () => {
  it('InvokeEndpoint (sagemaker-runtime) reaches both endpoints and names the variant', async () => {
    const client = new SageMakerRuntimeClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
    });
    for (const ep of [spec.endpoints.single, spec.endpoints.multi]) {
      const out = await client.send(
        new InvokeEndpointCommand({
          EndpointName: ep.name,
          ContentType: 'application/json',
          Accept: 'application/json',
          CustomAttributes: 'trace=1',
          Body: JSON.stringify({ image: red.toString('base64'), topK: 2 }),
        }),
      );
      expect(out.InvokedProductionVariant).toBe(ep.variantName);
      const body = PredictionResponseSchema.parse(
        JSON.parse(Buffer.from(out.Body as Uint8Array).toString('utf8')),
      );
      expect(body.predictions[0]?.label).toBe('red_dog');
      expect(body.predictions).toHaveLength(2);
    }
    client.destroy();
  });

  it('InvokeEndpoint with a raw PNG: Content-Type and topK in CustomAttributes reach the model server (as the invoker sends them)', async () => {
    const client = new SageMakerRuntimeClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
    });
    const out = await client.send(
      new InvokeEndpointCommand({
        EndpointName: spec.endpoints.single.name,
        ContentType: 'image/png',
        Accept: 'application/json',
        CustomAttributes: formatCustomAttributes({ topK: 1 }),
        Body: red,
      }),
    );
    const body = PredictionResponseSchema.parse(
      JSON.parse(Buffer.from(out.Body as Uint8Array).toString('utf8')),
    );
    expect(body.predictions.map((p) => p.label)).toEqual(['red_dog']);
    client.destroy();
  });

  it('InvokeEndpoint errors have the service shapes: ValidationError 400, ModelError 424', async () => {
    const client = new SageMakerRuntimeClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
      maxAttempts: 1,
    });
    const unknown = await client
      .send(
        new InvokeEndpointCommand({
          EndpointName: 'no-such-endpoint',
          ContentType: 'application/json',
          Body: '{}',
        }),
      )
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    const bad = await client
      .send(
        new InvokeEndpointCommand({
          EndpointName: spec.endpoints.single.name,
          ContentType: 'application/json',
          Body: '{"nope":1}',
        }),
      )
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ModelError);
    expect(bad).toMatchObject({ OriginalStatusCode: 400, $metadata: { httpStatusCode: 424 } });
    expect((bad as ModelError).OriginalMessage).toContain('"error"');
    client.destroy();
  });

  it('Lambda Invoke (client-lambda) runs the real invoker bundle', async () => {
    const client = new LambdaClient({
      endpoint: fixture.stack.url,
      region: spec.project.region,
      credentials,
    });
    const out = await client.send(
      new InvokeCommand({
        FunctionName: spec.invoker.functionName,
        Payload: Buffer.from(JSON.stringify({ image: red.toString('base64'), topK: 3, endpoint: 'multi' })),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    const result = JSON.parse(Buffer.from(out.Payload as Uint8Array).toString('utf8')) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as { endpoint: string; predictions: { label: string }[] };
    expect(body.endpoint).toBe(spec.endpoints.multi.name);
    expect(body.predictions.map((p) => p.label)).toEqual(['red_dog', 'green_dog', 'blue_dog']);

    const missing = await client
      .send(new InvokeCommand({ FunctionName: 'not-the-invoker', Payload: Buffer.from('{}') }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    client.destroy();
  });

  it('the function URL turns HTTP into a payload 2.0 event and the result into HTTP', async () => {
    const res = await fetch(`${fixture.stack.url}/function-url/?topK=1`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(red),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { label: string }[] };
    expect(body.predictions.map((p) => p.label)).toEqual(['red_dog']);
    const bad = await fetch(`${fixture.stack.url}/function-url/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"image":"!!"}',
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
  });

  it('serves the metrics API (valid LocalMetrics), Prometheus text and the dashboard', async () => {
    const m = await waitFor('a closed period with invocations', async () => {
      const x = await fixture.stack.metrics();
      return x?.endpoints.every((e) => e.series.some((p) => p.invocations > 0)) ? x : undefined;
    });
    expect(m.timeScale).toBe(60);
    expect(m.periodMs).toBe((spec.autoscaling.metricPeriodSeconds * 1000) / 60);
    expect(m.autoscaling).toMatchObject({
      maxInstances: spec.autoscaling.maxInstances,
      targetValue: spec.autoscaling.targetValue,
    });
    expect(m.lambda).toMatchObject({
      functionName: spec.invoker.functionName,
      reservedConcurrency: spec.invoker.reservedConcurrency,
    });
    const prom = await (await fetch(`${fixture.stack.url}/metrics`)).text();
    expect(prom).toMatch(
      new RegExp(`dogbreed_endpoint_invocations_total\\{endpoint="${spec.endpoints.single.name}"\\} [1-9]`),
    );
    expect(prom).toMatch(/dogbreed_lambda_invocations_total\{function="dogbreed-invoker"\} [1-9]/);
    const page = await fetch(`${fixture.stack.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script src="/app.js">');
  });

  it('shuts down cleanly on SIGTERM: exit code 0 and no instance left running', async () => {
    const pids = await instancePids(fixture.stack);
    expect(pids.length).toBe(2);
    const code = await fixture.stop();
    expect(code).toBe(0);
    expect(pidsAlive(pids)).toEqual([]);
  });
});
