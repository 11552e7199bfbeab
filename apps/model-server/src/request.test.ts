import { HttpError, PLATFORM_SPEC } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import {
  checkAccept,
  checkContentType,
  decodeBase64,
  mediaType,
  parseInvocation,
  resolveTopK,
} from './request.js';

const bounds = { defaultTopK: PLATFORM_SPEC.invoker.defaultTopK, maxTopK: PLATFORM_SPEC.invoker.maxTopK };
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof HttpError ? err.code : `not an HttpError: ${String(err)}`;
  }
  return undefined;
};
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const PIXEL = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

describe('content negotiation', () => {
  it('normalises media types', () => {
    expect(mediaType('Image/JPEG; charset=binary')).toBe('image/jpeg');
    expect(mediaType('')).toBeUndefined();
    expect(mediaType(undefined)).toBeUndefined();
  });

  it.each(['image/jpeg', 'image/png', 'image/webp', 'application/json; charset=utf-8'])('accepts %s', (t) => {
    expect(() => checkContentType(t)).not.toThrow();
  });

  it.each([undefined, 'text/plain', 'image/gif', 'application/x-image', 'multipart/form-data'])(
    'refuses %s with 415',
    (t) => {
      expect(codeOf(() => checkContentType(t))).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it.each([
    undefined,
    '',
    '*/*',
    'application/json',
    'text/html, application/*;q=0.5',
    'application/json;q=1',
  ])('Accept %s is fine', (a) => expect(() => checkAccept(a)).not.toThrow());

  it.each(['text/html', 'image/png', 'application/json;q=0', 'application/xml'])('Accept %s → 406', (a) => {
    expect(codeOf(() => checkAccept(a))).toBe('NOT_ACCEPTABLE');
  });
});

describe('decodeBase64', () => {
  // The base64 rule itself is tested at its home (libs/platform-spec/src/contracts/wire-base64.test.ts); here, the code.
  it('decodes by the wire rule', () => {
    const bytes = Buffer.from([250, 251, 252, 253, 254]);
    expect(decodeBase64(`data:image/png;base64,${bytes.toString('base64url')}`)).toEqual(bytes);
  });

  it.each(['', 'data:image/png;base64,', '!!!!', 'a'])(
    'maps the decoder refusing %j to INVALID_BASE64',
    (s) => {
      expect(codeOf(() => decodeBase64(s))).toBe('INVALID_BASE64');
    },
  );
});

describe('resolveTopK', () => {
  it('defaults and accepts the bounds', () => {
    expect(resolveTopK(undefined, bounds)).toBe(bounds.defaultTopK);
    expect(resolveTopK(1, bounds)).toBe(1);
    expect(resolveTopK(bounds.maxTopK, bounds)).toBe(bounds.maxTopK);
  });

  it.each([0, -1, bounds.maxTopK + 1, 1000, 2.5, 'x', null, [3], Number.NaN])('refuses %j', (k) => {
    expect(codeOf(() => resolveTopK(k, bounds))).toBe('INVALID_TOP_K');
  });
});

describe('parseInvocation', () => {
  it('passes raw image bytes through with the default top-K', () => {
    expect(parseInvocation('image/jpeg', PIXEL, bounds)).toEqual({ image: PIXEL, topK: bounds.defaultTopK });
  });

  it('reads top-K for a raw image from the custom-attributes header, ignoring other attributes', () => {
    expect(parseInvocation('image/png', PIXEL, bounds, 'topK=1')).toEqual({ image: PIXEL, topK: 1 });
    expect(parseInvocation('image/webp', PIXEL, bounds, 'trace=abc; topK = 3 ;x=y')).toEqual({
      image: PIXEL,
      topK: 3,
    });
    expect(parseInvocation('image/jpeg', PIXEL, bounds, `topK=${bounds.maxTopK}`).topK).toBe(bounds.maxTopK);
  });

  it.each([undefined, '', 'trace=abc', ' ; '])(
    'uses the default top-K when the header gives none (%j)',
    (header) => {
      expect(parseInvocation('image/jpeg', PIXEL, bounds, header).topK).toBe(bounds.defaultTopK);
    },
  );

  it('keeps a JSON body exactly as before: its topK (or the default), the header unread', () => {
    const body = json({ image: PIXEL.toString('base64'), topK: 2 });
    expect(parseInvocation('application/json', body, bounds, 'topK=1').topK).toBe(2);
    expect(
      parseInvocation('application/json', json({ image: PIXEL.toString('base64') }), bounds, 'garbage').topK,
    ).toBe(bounds.defaultTopK);
  });

  it.each([
    ['INVALID_TOP_K', 'topK=0'],
    ['INVALID_TOP_K', `topK=${bounds.maxTopK + 1}`],
    ['INVALID_TOP_K', 'topK=2.5'],
    ['INVALID_TOP_K', 'topK=-1'],
    ['INVALID_TOP_K', 'topK=x'],
    ['INVALID_TOP_K', 'topK=0x3'],
    ['INVALID_TOP_K', 'topK=1e1'],
    ['INVALID_TOP_K', 'topK='],
    ['INVALID_TOP_K', 'topK=99999999999999999999'],
    ['INVALID_CUSTOM_ATTRIBUTES', 'topK'],
    ['INVALID_CUSTOM_ATTRIBUTES', 'topK=1;topK=2'],
    ['INVALID_CUSTOM_ATTRIBUTES', '=3'],
    ['INVALID_CUSTOM_ATTRIBUTES', `topK=1;pad=${'x'.repeat(1024)}`],
  ])('%s for a raw image with custom attributes %j', (code, header) => {
    expect(codeOf(() => parseInvocation('image/png', PIXEL, bounds, header))).toBe(code);
  });

  it('answers 400 for a malformed header with a message naming it', () => {
    try {
      parseInvocation('image/png', PIXEL, bounds, 'topK');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).statusCode).toBe(400);
      expect((err as HttpError).message).toMatch(/X-Amzn-SageMaker-Custom-Attributes: .*not key=value/);
    }
  });

  it('reads a JSON body', () => {
    const inv = parseInvocation(
      'application/json',
      json({ image: PIXEL.toString('base64'), topK: 2 }),
      bounds,
    );
    expect(inv).toEqual({ image: PIXEL, topK: 2 });
  });

  it.each<[string, string, Buffer]>([
    ['EMPTY_BODY', 'image/png', Buffer.alloc(0)],
    ['EMPTY_BODY', 'application/json', Buffer.alloc(0)],
    ['INVALID_JSON', 'application/json', Buffer.from('{"image":')],
    ['INVALID_REQUEST', 'application/json', json([1, 2])],
    ['INVALID_REQUEST', 'application/json', json('str')],
    ['INVALID_REQUEST', 'application/json', json(null)],
    ['INVALID_REQUEST', 'application/json', json({ img: 'abcd' })],
    ['INVALID_REQUEST', 'application/json', json({ image: 42 })],
    ['INVALID_REQUEST', 'application/json', json({ image: { nested: { deeper: [] } } })],
    ['INVALID_BASE64', 'application/json', json({ image: '%%%%' })],
    ['INVALID_TOP_K', 'application/json', json({ image: 'abcd', topK: 0 })],
    ['INVALID_TOP_K', 'application/json', json({ image: 'abcd', topK: 'x' })],
  ])('%s for %s %s', (code, type, body) => {
    expect(codeOf(() => parseInvocation(type, body, bounds))).toBe(code);
  });
});
