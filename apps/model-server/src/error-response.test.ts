import { ERROR_CODES, ErrorBodySchema, HttpError, type ErrorCode } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { InferenceError } from './errors.js';
import { toErrorResponse } from './error-response.js';

describe('toErrorResponse', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s gives a valid wire body with its status', (code) => {
    const r = toErrorResponse(new HttpError(code, 'why'), 'req-1');
    expect(r.statusCode).toBe(ERROR_CODES[code].status);
    expect(ErrorBodySchema.parse(r.body)).toEqual({ error: { code, message: 'why', requestId: 'req-1' } });
  });

  it('hides unexpected errors behind 500 INTERNAL_ERROR', () => {
    const r = toErrorResponse(new TypeError('secret stack detail'));
    expect(r).toMatchObject({
      statusCode: 500,
      logLevel: 'error',
      body: { error: { code: 'INTERNAL_ERROR' } },
    });
    expect(JSON.stringify(r.body)).not.toContain('secret');
  });

  it('logs client errors as info and back-pressure as warn', () => {
    expect(toErrorResponse(new HttpError('INVALID_IMAGE', 'x')).logLevel).toBe('info');
    expect(toErrorResponse(new HttpError('QUEUE_FULL', 'x')).logLevel).toBe('warn');
  });

  it('names each error by its class', () => {
    expect(new InferenceError('boom').name).toBe('InferenceError');
    expect(new HttpError('QUEUE_FULL', 'x').name).toBe('HttpError');
  });

  it('maps model failures to 5xx with a code', () => {
    expect(toErrorResponse(new InferenceError('boom'))).toMatchObject({
      statusCode: 500,
      body: { error: { code: 'INFERENCE_FAILED' } },
    });
  });
});
