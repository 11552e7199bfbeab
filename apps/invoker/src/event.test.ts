import { DEFAULT_SPEC } from '@dogbreed/platform-spec';
import { specWith } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { configFor } from '../tests/support/env.js';
import { eventRequestId, isHttpEvent, mediaType, parseEvent, parseJsonRequest } from './event.js';
import { jsonRequestSchema, querySchema } from './schema-checks.js';
import { httpEvent, jsonHttpEvent, rawImageHttpEvent } from '../tests/support/fixtures.js';
import { solidImage } from '../tests/support/images.js';

const config = configFor(specWith({}));

async function thrown(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

describe('parseEvent: function URL / HTTP API payload 2.0', () => {
  it('reads a JSON body with image, topK and endpoint', async () => {
    const r = await parseEvent(jsonHttpEvent({ image: 'abcd', topK: 3, endpoint: 'multi' }), config);
    expect(r).toEqual({
      eventKind: 'http',
      image: { kind: 'base64', base64: 'abcd' },
      topK: 3,
      endpoint: 'multi',
    });
  });

  it('reads a base64-encoded JSON body and applies the spec defaults', async () => {
    const body = Buffer.from(JSON.stringify({ image: 'abcd' })).toString('base64');
    const r = await parseEvent(
      httpEvent({ body, isBase64Encoded: true, contentType: 'application/json; charset=utf-8' }),
      config,
    );
    expect(r).toMatchObject({ topK: DEFAULT_SPEC.invoker.defaultTopK, endpoint: 'single' });
  });

  it('reads a JSON body without a content type', async () => {
    expect((await parseEvent(httpEvent({ body: '{"image":"abcd"}' }), config)).image).toEqual({
      kind: 'base64',
      base64: 'abcd',
    });
  });

  it.each(['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'])(
    'passes a raw %s body through as base64, options from the query',
    async (type) => {
      const png = await solidImage('png');
      const r = await parseEvent(rawImageHttpEvent(png, type, { topK: '2', endpoint: 'multi' }), config);
      expect(r).toEqual({
        eventKind: 'http',
        image: { kind: 'base64', base64: png.toString('base64') },
        topK: 2,
        endpoint: 'multi',
      });
    },
  );

  it('takes a raw body that is not base64-encoded byte for byte', async () => {
    const body = Buffer.from([0xff, 0xd8, 0xff, 0xe0]).toString('latin1');
    const r = await parseEvent(httpEvent({ body, contentType: 'image/jpeg' }), config);
    expect(r.image).toEqual({ kind: 'bytes', bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) });
  });

  it.each([
    ['GET', 405, 'METHOD_NOT_ALLOWED'],
    ['PUT', 405, 'METHOD_NOT_ALLOWED'],
  ])('refuses method %s with %d', async (method, status, code) => {
    expect(await thrown(() => parseEvent(httpEvent({ method, body: '{}' }), config))).toMatchObject({
      statusCode: status,
      code,
    });
  });

  it('refuses an empty body with 400 EMPTY_BODY', async () => {
    expect(await thrown(() => parseEvent(httpEvent({}), config))).toMatchObject({
      statusCode: 400,
      code: 'EMPTY_BODY',
    });
  });

  it('refuses invalid JSON with 400 INVALID_JSON', async () => {
    expect(
      await thrown(() =>
        parseEvent(httpEvent({ body: '{"image":', contentType: 'application/json' }), config),
      ),
    ).toMatchObject({
      statusCode: 400,
      code: 'INVALID_JSON',
    });
  });

  it('refuses unsupported content types with 415', async () => {
    for (const type of ['text/plain', 'image/gif', 'multipart/form-data; boundary=x']) {
      expect(
        await thrown(() => parseEvent(httpEvent({ body: 'x', contentType: type }), config)),
      ).toMatchObject({
        statusCode: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    }
  });

  it('refuses a body over the Lambda payload limit from the spec with 413', async () => {
    const small = configFor(specWith({ invoker: { maxRequestBytes: 100, maxImageBytes: 50 } }));
    const e = await thrown(() => parseEvent(jsonHttpEvent({ image: 'A'.repeat(200) }), small));
    expect(e).toMatchObject({ statusCode: 413, code: 'REQUEST_TOO_LARGE' });
    expect(String(e['message'])).toContain('100');
  });

  it.each([
    [{ query: { topK: '0' } }],
    [{ query: { topK: String(DEFAULT_SPEC.invoker.maxTopK + 1) } }],
    [{ query: { topK: 'many' } }],
    [{ query: { endpoint: 'other' } }],
    [{ query: { unknown: '1' } }],
  ])('refuses bad query options %j with 400', async ({ query }) => {
    const event = rawImageHttpEvent(await solidImage('png'), 'image/png', query);
    expect(await thrown(() => parseEvent(event, config))).toMatchObject({
      statusCode: 400,
      code: 'INVALID_REQUEST',
    });
  });

  it('uses the HTTP request id', async () => {
    expect(eventRequestId(jsonHttpEvent({ image: 'x' }, 'rid-7'), 'lambda')).toBe('rid-7');
    expect(eventRequestId({ image: 'x' }, 'lambda')).toBe('lambda');
  });
});

describe('parseEvent: direct invoke', () => {
  it('reads the JSON request as the event', async () => {
    expect(await parseEvent({ image: 'abcd', topK: 1 }, config)).toEqual({
      eventKind: 'direct',
      image: { kind: 'base64', base64: 'abcd' },
      topK: 1,
      endpoint: 'single',
    });
    expect((await parseEvent({ s3Uri: 's3://b/k' }, config)).image).toEqual({ kind: 's3', uri: 's3://b/k' });
  });

  it('uses the configured default endpoint', async () => {
    const multi = configFor(specWith({}), { DOGBREED_DEFAULT_ENDPOINT: 'multi' });
    expect((await parseEvent({ image: 'abcd' }, multi)).endpoint).toBe('multi');
  });

  it.each([
    ['neither image nor s3Uri', { topK: 1 }],
    ['both image and s3Uri', { image: 'abcd', s3Uri: 's3://b/k' }],
    ['topK 0', { image: 'abcd', topK: 0 }],
    ['topK above the spec maximum', { image: 'abcd', topK: DEFAULT_SPEC.invoker.maxTopK + 1 }],
    ['fractional topK', { image: 'abcd', topK: 1.5 }],
    ['an unknown endpoint', { image: 'abcd', endpoint: 'third' }],
    ['an unknown key', { image: 'abcd', topk: 3 }],
    ['an image that is not a string', { image: 42 }],
    ['null', null],
    ['an array', [1, 2]],
  ])('refuses %s with 400 INVALID_REQUEST', async (_name, event) => {
    expect(await thrown(() => parseEvent(event, config))).toMatchObject({
      statusCode: 400,
      code: 'INVALID_REQUEST',
    });
  });

  it('refuses a string event with 400', async () => {
    expect(await thrown(() => parseEvent('{"image":"x"}', config))).toMatchObject({
      statusCode: 400,
      code: 'INVALID_EVENT',
    });
  });

  it('takes the topK bound from the spec', async () => {
    const narrow = configFor(specWith({ invoker: { maxTopK: 3, defaultTopK: 2 } }));
    expect((await parseEvent({ image: 'abcd' }, narrow)).topK).toBe(2);
    expect(await thrown(() => parseEvent({ image: 'abcd', topK: 4 }, narrow))).toMatchObject({
      statusCode: 400,
    });
  });
});

describe('helpers', () => {
  it('tells HTTP events from direct invokes', async () => {
    expect(isHttpEvent(jsonHttpEvent({}))).toBe(true);
    expect(isHttpEvent({ image: 'x', requestContext: 'no' })).toBe(false);
    expect(isHttpEvent({ image: 'x' })).toBe(false);
  });

  it('normalises media types', async () => {
    expect(mediaType('Image/JPEG ; q=1')).toBe('image/jpeg');
    expect(mediaType(undefined)).toBeUndefined();
  });
});

describe('the checks without zod on the common path', () => {
  // The plain check takes what it is sure of and hands the rest to the schema: both must give one answer.
  const requests: unknown[] = [
    { image: 'abcd' },
    { image: '', topK: 1 },
    { s3Uri: 's3://b/k', endpoint: 'multi' },
    { image: 'abcd', topK: config.maxTopK, endpoint: 'single' },
    { image: 'abcd', topK: undefined, endpoint: undefined },
    { image: 'abcd', s3Uri: 's3://b/k' },
    {},
    { s3Uri: '' },
    { image: 1 },
    { image: 'abcd', topK: 0 },
    { image: 'abcd', topK: config.maxTopK + 1 },
    { image: 'abcd', topK: 1.5 },
    { image: 'abcd', topK: '2' },
    { image: 'abcd', topK: Number.NaN },
    { image: 'abcd', endpoint: 'both' },
    { image: 'abcd', extra: true },
    [{ image: 'abcd' }],
    null,
    42,
  ];

  it.each(requests.map((r) => [JSON.stringify(r) ?? String(r), r]))(
    'agrees with the schema on %s',
    async (_, r) => {
      const schema = jsonRequestSchema(config.maxTopK).safeParse(r);
      if (!schema.success) {
        expect(await thrown(() => parseJsonRequest(r, config, 'direct'))).toMatchObject({
          code: 'INVALID_REQUEST',
        });
        return;
      }
      const d = schema.data;
      expect(await parseJsonRequest(r, config, 'direct')).toEqual({
        eventKind: 'direct',
        image: d.s3Uri !== undefined ? { kind: 's3', uri: d.s3Uri } : { kind: 'base64', base64: d.image },
        topK: d.topK ?? config.defaultTopK,
        endpoint: d.endpoint ?? config.defaultEndpoint,
      });
    },
  );

  // The raw-image body's query options, through the same two checks.
  const queries: (Record<string, string> | undefined)[] = [
    undefined,
    {},
    { topK: '1' },
    { topK: String(config.maxTopK), endpoint: 'multi' },
    { topK: '007' },
    { topK: '0' },
    { topK: String(config.maxTopK + 1) },
    { topK: '' },
    { topK: '2.0' },
    { topK: '-1' },
    { topK: ' 2' },
    { topK: '99999999999999999999' },
    { endpoint: 'single' },
    { endpoint: 'both' },
    { other: '1' },
  ];

  it.each(queries.map((q) => [JSON.stringify(q) ?? 'no query', q]))(
    'agrees with the query schema on %s',
    async (_, query) => {
      const event = rawImageHttpEvent(Buffer.from('abcd'), 'image/jpeg', query);
      const schema = querySchema(config.maxTopK).safeParse(query ?? {});
      if (!schema.success) {
        expect(await thrown(() => parseEvent(event, config))).toMatchObject({ code: 'INVALID_REQUEST' });
        return;
      }
      expect(await parseEvent(event, config)).toMatchObject({
        topK: schema.data.topK ?? config.defaultTopK,
        endpoint: schema.data.endpoint ?? config.defaultEndpoint,
      });
    },
  );

  it.each([
    ['headers not all strings', { headers: { a: 1 } }],
    ['a method that is not a string', { requestContext: { requestId: 'r', http: { method: 1 } } }],
    ['no request id', { requestContext: { http: { method: 'POST' } } }],
    ['isBase64Encoded a string', { isBase64Encoded: 'true' }],
    ['query values not strings', { queryStringParameters: { topK: 2 } }],
  ])('refuses an HTTP event with %s as the schema does (INVALID_EVENT)', async (_, change) => {
    const event = { ...jsonHttpEvent({ image: 'abcd' }), ...change };
    expect(await thrown(() => parseEvent(event, config))).toMatchObject({ code: 'INVALID_EVENT' });
  });
});
