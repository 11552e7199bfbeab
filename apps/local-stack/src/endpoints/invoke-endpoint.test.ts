/** The router's hop to the container: what SageMaker passes on unchanged must reach `/invocations` unchanged. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CUSTOM_ATTRIBUTES_HEADER } from '@dogbreed/platform-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeEndpoint } from './invoke-endpoint.js';
import type { ManagedEndpoint } from './managed-endpoint.js';
import type { Instance } from './pool.js';

const seen: { headers: IncomingHttpHeaders; body: Buffer; path: string | undefined }[] = [];
let container: Server;
let port: number;

beforeAll(async () => {
  container = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => container.listen(0, '127.0.0.1', resolve));
  port = (container.address() as AddressInfo).port;
});

afterAll(async () => {
  container.closeAllConnections();
  await new Promise<void>((resolve) => container.close(() => resolve()));
});

/** One InService instance on the fake container; only what `invokeEndpoint` touches. */
function endpointOnContainer(): ManagedEndpoint {
  const instance = { id: 'i-1', state: 'InService', inFlight: 0, port } as Instance;
  const pool = {
    host: '127.0.0.1',
    inService: () => [instance],
    acquire: (exclude: ReadonlySet<string>) => (exclude.has(instance.id) ? undefined : instance),
    release: () => undefined,
    reportUnreachable: () => undefined,
  };
  const recorder = { started: () => undefined, finished: () => undefined, retried: () => undefined };
  return {
    name: 'ep',
    endpoint: { variantName: 'AllTraffic' },
    pool,
    recorder,
    route: () => pool,
    finished: () => undefined,
    answered: () => undefined,
  } as unknown as ManagedEndpoint;
}

describe('invokeEndpoint forwards the request to the container', () => {
  it('passes the raw body, Content-Type, Accept and X-Amzn-SageMaker-Custom-Attributes unchanged', async () => {
    const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 13, 10]);
    const before = seen.length;
    const out = await invokeEndpoint(
      endpointOnContainer(),
      { body, contentType: 'image/png', accept: 'application/json', customAttributes: 'topK=1;trace=abc' },
      { maxQueueDepth: 4, region: 'us-east-1' },
    );
    expect(out.body.toString()).toBe('{"ok":true}');
    expect(out.headers).toMatchObject({ 'x-Amzn-Invoked-Production-Variant': 'AllTraffic' });
    const got = seen[before];
    expect(got?.path).toBe('/invocations');
    expect(got?.headers['content-type']).toBe('image/png');
    expect(got?.headers['accept']).toBe('application/json');
    expect(got?.headers[CUSTOM_ATTRIBUTES_HEADER.toLowerCase()]).toBe('topK=1;trace=abc');
    expect(got?.body.equals(body)).toBe(true);
  });

  it('sends no custom-attributes header when the caller sent none', async () => {
    const before = seen.length;
    await invokeEndpoint(
      endpointOnContainer(),
      {
        body: Buffer.from('{}'),
        contentType: 'application/json',
        accept: undefined,
        customAttributes: undefined,
      },
      { maxQueueDepth: 4, region: 'us-east-1' },
    );
    expect(seen[before]?.headers).not.toHaveProperty(CUSTOM_ATTRIBUTES_HEADER.toLowerCase());
    expect(seen[before]?.headers['content-type']).toBe('application/json');
  });
});
