/** The invoker's own error classes and the response headers an error answer carries. */
import { HttpError } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { errorHeaders, InternalError, MethodNotAllowedError, RETRY_AFTER_SECONDS } from './errors.js';

describe('errorHeaders', () => {
  it('asks the client to come back later on 429 and 503', () => {
    for (const code of ['THROTTLED', 'MODEL_NOT_READY', 'SERVICE_UNAVAILABLE'] as const) {
      expect(errorHeaders(new HttpError(code, 'later'))).toEqual({
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
  });

  it('names the allowed method on 405 and adds nothing to other errors', () => {
    expect(errorHeaders(new MethodNotAllowedError('GET'))).toEqual({ allow: 'POST' });
    expect(errorHeaders(new HttpError('INVALID_BASE64', 'bad'))).toEqual({});
    expect(errorHeaders(new InternalError())).toEqual({});
  });

  it('keeps the subclasses on the shared HttpError, named by their class', () => {
    const e = new MethodNotAllowedError('PUT');
    expect(e).toBeInstanceOf(HttpError);
    expect(e).toMatchObject({ name: 'MethodNotAllowedError', statusCode: 405, code: 'METHOD_NOT_ALLOWED' });
    expect(new InternalError().name).toBe('InternalError');
  });
});
