import { SAGEMAKER_RUNTIME_LIMITS } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { AwsApiError } from '../errors.js';
import { checkFrontDoorHeaders, headerViolations, oversizeBody } from './front-door.js';

const none = { customAttributes: undefined, contentType: undefined, accept: undefined };
const max = SAGEMAKER_RUNTIME_LIMITS.maxCustomAttributesChars;

describe('SageMaker front-door validation', () => {
  it('accepts absent headers and values at the limits', () => {
    expect(headerViolations(none)).toEqual([]);
    expect(
      headerViolations({
        customAttributes: 'x'.repeat(max),
        contentType: 'image/png',
        accept: 'application/json',
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'customAttributes',
      { ...none, customAttributes: 'x'.repeat(max + 1) },
      `length less than or equal to ${max}`,
    ],
    [
      'customAttributes',
      { ...none, customAttributes: 'topK=1;name=café' },
      'regular expression pattern: \\p{ASCII}*',
    ],
    [
      'contentType',
      { ...none, contentType: `image/${'p'.repeat(SAGEMAKER_RUNTIME_LIMITS.maxContentTypeChars)}` },
      'length',
    ],
    ['accept', { ...none, accept: 'application/jsön' }, 'regular expression pattern'],
  ])('refuses a bad %s with ValidationError 400', (member, headers, phrase) => {
    const err = (() => {
      try {
        checkFrontDoorHeaders(headers);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(AwsApiError);
    expect(err).toMatchObject({ statusCode: 400, errorType: 'ValidationError' });
    expect((err as Error).message).toMatch(
      new RegExp(`^1 validation error detected: Value at '${member}' failed`),
    );
    expect((err as Error).message).toContain(phrase);
  });

  it('counts several violations in one message, as AWS does', () => {
    expect(() => checkFrontDoorHeaders({ ...none, customAttributes: 'é'.repeat(max + 1) })).toThrow(
      /^2 validation errors detected: .*length.*; .*pattern/,
    );
  });

  it('words an oversize payload as SageMaker does', () => {
    expect(oversizeBody('req-1')).toMatchObject({
      statusCode: 400,
      errorType: 'ValidationError',
      message: 'Request req-1 has oversize body.',
    });
  });
});
