/** The protocol server itself: it must refuse what real SageMaker refuses, or the handler tests prove nothing. */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cannedBackend,
  DUMMY_CREDENTIALS,
  startInvokeEndpointServer,
  TEST_REGION,
  type ContainerRequest,
  type InvokeEndpointServer,
} from '../support/invoke-endpoint-server.js';

let server: InvokeEndpointServer;
beforeAll(async () => {
  server = await startInvokeEndpointServer({ endpoints: { known: cannedBackend() } });
});
afterAll(() => server.close());

const client = (secretAccessKey: string) =>
  new SageMakerRuntimeClient({
    region: TEST_REGION,
    endpoint: server.url,
    maxAttempts: 1,
    credentials: { accessKeyId: DUMMY_CREDENTIALS.accessKeyId, secretAccessKey },
  });
const command = (EndpointName: string) =>
  new InvokeEndpointCommand({ EndpointName, Body: Buffer.from('{}'), ContentType: 'application/json' });

describe('InvokeEndpoint protocol server', () => {
  it('accepts a request the SDK signed with the expected credentials', async () => {
    const out = await client(DUMMY_CREDENTIALS.secretAccessKey).send(command('known'));
    expect(out.InvokedProductionVariant).toBe('AllTraffic');
    expect(out.ContentType).toBe('application/json');
  });

  it('refuses a request signed with another secret (InvalidSignatureException)', async () => {
    await expect(client('wrong-secret').send(command('known'))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('passes body, Content-Type and custom attributes to the container unchanged', async () => {
    const seen: ContainerRequest[] = [];
    const echo = await startInvokeEndpointServer({
      endpoints: { known: (req) => (seen.push(req), cannedBackend()(req)) },
    });
    try {
      const body = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]);
      const c = new SageMakerRuntimeClient({
        region: TEST_REGION,
        endpoint: echo.url,
        maxAttempts: 1,
        credentials: DUMMY_CREDENTIALS,
      });
      await c.send(
        new InvokeEndpointCommand({
          EndpointName: 'known',
          Body: body,
          ContentType: 'image/jpeg',
          CustomAttributes: 'topK=3',
        }),
      );
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ contentType: 'image/jpeg', customAttributes: 'topK=3' });
      expect(seen[0]?.body.equals(body)).toBe(true);
    } finally {
      await echo.close();
    }
  });

  it('refuses custom attributes over 1024 chars with ValidationError, as SageMaker does', async () => {
    const tooLong = new InvokeEndpointCommand({
      EndpointName: 'known',
      Body: Buffer.from('{}'),
      ContentType: 'application/json',
      CustomAttributes: `pad=${'x'.repeat(1021)}`,
    });
    await expect(client(DUMMY_CREDENTIALS.secretAccessKey).send(tooLong)).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers an unknown endpoint with ValidationError, as SageMaker does', async () => {
    await expect(client(DUMMY_CREDENTIALS.secretAccessKey).send(command('missing'))).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
