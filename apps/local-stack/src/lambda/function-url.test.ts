import { describe, expect, it } from 'vitest';
import { buildFunctionUrlEvent, functionUrlResponse } from './function-url.js';

const ctx = { requestId: 'req-1', now: new Date('2026-11-24T12:00:05Z'), urlId: 'abc', region: 'us-east-1' };

describe('buildFunctionUrlEvent (payload format 2.0)', () => {
  it('builds the event Lambda builds for a JSON POST', () => {
    const e = buildFunctionUrlEvent(
      {
        method: 'POST',
        pathAndQuery: '/predict?topK=3&endpoint=multi',
        headers: { 'content-type': 'application/json', 'user-agent': 'curl/8', cookie: 'a=1; b=2' },
        body: Buffer.from('{"image":"x"}'),
        sourceIp: '127.0.0.1',
        httpVersion: '1.1',
      },
      ctx,
    );
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/predict',
      rawQueryString: 'topK=3&endpoint=multi',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { topK: '3', endpoint: 'multi' },
      body: '{"image":"x"}',
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        domainName: 'abc.lambda-url.us-east-1.on.aws',
        http: {
          method: 'POST',
          path: '/predict',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        time: '24/Nov/2026:12:00:05 +0000',
        timeEpoch: ctx.now.getTime(),
      },
    });
    expect((e['headers'] as Record<string, string>)['cookie']).toBeUndefined();
  });

  it('base64-encodes binary bodies and leaves out empty ones', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00]);
    const img = buildFunctionUrlEvent(
      {
        method: 'POST',
        pathAndQuery: '',
        headers: { 'content-type': 'image/jpeg' },
        body: bytes,
        sourceIp: '::1',
        httpVersion: '1.1',
      },
      ctx,
    );
    expect(img).toMatchObject({ rawPath: '/', body: bytes.toString('base64'), isBase64Encoded: true });
    const get = buildFunctionUrlEvent(
      {
        method: 'GET',
        pathAndQuery: '/',
        headers: {},
        body: Buffer.alloc(0),
        sourceIp: '::1',
        httpVersion: '1.1',
      },
      ctx,
    );
    expect(get).not.toHaveProperty('body');
    expect(get).not.toHaveProperty('queryStringParameters');
  });
});

describe('functionUrlResponse', () => {
  it('turns a structured result into the HTTP response', () => {
    const out = functionUrlResponse({
      statusCode: 400,
      headers: { 'X-Request-Id': 'r' },
      body: '{"error":1}',
      cookies: ['s=1'],
    });
    expect(out.status).toBe(400);
    expect(out.headers).toMatchObject({
      'x-request-id': 'r',
      'set-cookie': ['s=1'],
      'content-type': 'application/json',
    });
    expect(out.body.toString()).toBe('{"error":1}');
  });
  it('decodes base64 bodies', () => {
    const out = functionUrlResponse({
      statusCode: 200,
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    expect(out.body.toString()).toBe('hi');
  });
  it('answers 200 JSON for a result without statusCode', () => {
    const out = functionUrlResponse({ hello: 'world' });
    expect(out).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(out.body.toString())).toEqual({ hello: 'world' });
  });
});
