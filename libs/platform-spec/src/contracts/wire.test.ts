import { describe, expect, it } from 'vitest';
import {
  CUSTOM_ATTRIBUTES_HEADER,
  CUSTOM_ATTRIBUTES_MAX_CHARS,
  CustomAttributesError,
  ERROR_CODES,
  ErrorBodySchema,
  formatCustomAttributes,
  HttpError,
  parseCustomAttributes,
} from '../index.js';

describe('custom attributes', () => {
  it('names the SageMaker header', () => {
    expect(CUSTOM_ATTRIBUTES_HEADER).toBe('X-Amzn-SageMaker-Custom-Attributes');
  });

  it('formats key=value entries joined by ;', () => {
    expect(formatCustomAttributes({ topK: 5 })).toBe('topK=5');
    expect(formatCustomAttributes({ topK: 3, trace: 'abc-1' })).toBe('topK=3;trace=abc-1');
    expect(formatCustomAttributes({})).toBe('');
  });

  it('round-trips', () => {
    const attrs = { topK: 7, tenant: 'acme corp', 'x.y': 'a/b:c' };
    expect(parseCustomAttributes(formatCustomAttributes(attrs))).toEqual({
      topK: '7',
      tenant: 'acme corp',
      'x.y': 'a/b:c',
    });
  });

  it('trims, accepts , as a separator and ignores empty parts', () => {
    expect(parseCustomAttributes(' topK = 2 ;; other=x, more=y ;')).toEqual({
      topK: '2',
      other: 'x',
      more: 'y',
    });
    expect(parseCustomAttributes('topK=')).toEqual({ topK: '' });
  });

  it.each([undefined, '', ' ', ';', ' ; , '])('gives {} for %j', (header) => {
    expect(parseCustomAttributes(header)).toEqual({});
  });

  it('leaves other attributes to the caller, which reads only what it knows', () => {
    const attrs = parseCustomAttributes('trace-id=abc;topK=4;c000b4f9-df62-4c85-a0bf-7c525f9104a4=1');
    expect(attrs['topK']).toBe('4');
    expect(Object.keys(attrs)).toHaveLength(3);
  });

  it('is not fooled by prototype keys', () => {
    const attrs = parseCustomAttributes('__proto__=1;constructor=2');
    expect(Object.keys(attrs)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  it.each([
    ['no =', 'topK'],
    ['no = among good parts', 'a=1;topK;b=2'],
    ['empty key', '=5'],
    ['two =', 'topK=1=2'],
    ['key twice', 'topK=1;topK=2'],
    ['non-ASCII', 'topK=5;name=caf\u00e9'],
    ['control char', 'topK=5\n'],
    ['over 1024 chars', `topK=1;pad=${'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS)}`],
  ])('refuses %s', (_name, header) => {
    expect(() => parseCustomAttributes(header)).toThrow(CustomAttributesError);
  });

  it('accepts exactly 1024 chars', () => {
    const header = `pad=${'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS - 4)}`;
    expect(header).toHaveLength(CUSTOM_ATTRIBUTES_MAX_CHARS);
    expect(parseCustomAttributes(header)['pad']).toHaveLength(CUSTOM_ATTRIBUTES_MAX_CHARS - 4);
  });

  it.each<[string, Record<string, string | number>]>([
    ['a ; in a value', { topK: '1;x=2' }],
    ['a , in a value', { a: '1,2' }],
    ['an = in a key', { 'a=b': 1 }],
    ['an empty key', { '': 1 }],
    ['an empty value', { a: '' }],
    ['surrounding spaces', { a: ' 1' }],
    ['non-ASCII', { a: '\u00e9' }],
    ['over 1024 chars', { pad: 'x'.repeat(CUSTOM_ATTRIBUTES_MAX_CHARS) }],
  ])('will not format %s', (_name, attrs) => {
    expect(() => formatCustomAttributes(attrs)).toThrow(CustomAttributesError);
  });
});

describe('error codes', () => {
  // The statuses clients have always received for each code; a change here changes the wire.
  const STATUSES: Record<string, number> = {
    EMPTY_BODY: 400,
    EMPTY_IMAGE: 400,
    INVALID_BASE64: 400,
    INVALID_CUSTOM_ATTRIBUTES: 400,
    INVALID_EVENT: 400,
    INVALID_IMAGE: 400,
    INVALID_JSON: 400,
    INVALID_REQUEST: 400,
    INVALID_S3_URI: 400,
    INVALID_TOP_K: 400,
    MODEL_REJECTED_INPUT: 400,
    S3_INPUT_DISABLED: 400,
    S3_OBJECT_NOT_FOUND: 400,
    S3_URI_NOT_ALLOWED: 400,
    NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405,
    NOT_ACCEPTABLE: 406,
    IMAGE_TOO_LARGE: 413,
    PAYLOAD_TOO_LARGE: 413,
    REQUEST_TOO_LARGE: 413,
    UNSUPPORTED_IMAGE_FORMAT: 415,
    UNSUPPORTED_IMAGE_TYPE: 415,
    UNSUPPORTED_MEDIA_TYPE: 415,
    NOT_A_DOG: 422,
    THROTTLED: 429,
    MODEL_BUSY: 503,
    MODEL_NOT_READY: 503,
    QUEUE_FULL: 503,
    SERVICE_UNAVAILABLE: 503,
    SHUTTING_DOWN: 503,
    INFERENCE_FAILED: 500,
    INVALID_MODEL_OUTPUT: 500,
    INTERNAL_ERROR: 500,
    BAD_MODEL_RESPONSE: 502,
    ENDPOINT_FAILURE: 502,
    ENDPOINT_REJECTED: 502,
    MODEL_ERROR: 502,
    S3_READ_FAILED: 502,
    ENDPOINT_TIMEOUT: 504,
  };

  it('maps every code to its status', () => {
    expect(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]))).toEqual(
      STATUSES,
    );
  });

  it.each(Object.keys(ERROR_CODES))('%s is a valid wire code', (code) => {
    expect(ErrorBodySchema.parse({ error: { code, message: 'm' } }).error.code).toBe(code);
  });

  it('HttpError takes its status from the table, keeps the cause and names itself by its class', () => {
    const cause = new Error('upstream');
    const e = new HttpError('MODEL_BUSY', 'retry later', { cause });
    expect(e).toMatchObject({ code: 'MODEL_BUSY', statusCode: 503, message: 'retry later', cause });
    expect(e.name).toBe('HttpError');
    class QueueFullError extends HttpError {}
    expect(new QueueFullError('QUEUE_FULL', 'x').name).toBe('QueueFullError');
  });

  it('HttpError gives the wire body, the request id only when there is one', () => {
    const e = new HttpError('INVALID_TOP_K', 'topK must be 1 to 5');
    expect(ErrorBodySchema.parse(e.toJSON('r-1'))).toEqual({
      error: { code: 'INVALID_TOP_K', message: 'topK must be 1 to 5', requestId: 'r-1' },
    });
    expect(e.toJSON()).toEqual({ error: { code: 'INVALID_TOP_K', message: 'topK must be 1 to 5' } });
  });
});
