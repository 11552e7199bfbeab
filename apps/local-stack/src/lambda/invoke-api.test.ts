import { describe, expect, it } from 'vitest';
import { INVOKE_PATH, matchesFunction } from './invoke-api.js';

describe('Lambda Invoke API', () => {
  it.each([
    ['dogbreed-invoker', true],
    ['dogbreed-invoker:live', true],
    ['arn:aws:lambda:us-east-1:123456789012:function:dogbreed-invoker', true],
    [encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:dogbreed-invoker:live'), true],
    ['123456789012:function:dogbreed-invoker', true],
    ['other-function', false],
    ['arn:aws:lambda:us-east-1:123456789012:function:other', false],
  ])('matchesFunction(%s) = %s', (name, ok) => expect(matchesFunction(name, 'dogbreed-invoker')).toBe(ok));

  it('matches the REST path the SDK calls', () => {
    expect(INVOKE_PATH.exec('/2015-03-31/functions/dogbreed-invoker/invocations')?.[1]).toBe(
      'dogbreed-invoker',
    );
    expect(INVOKE_PATH.exec('/2015-03-31/functions/x/configuration')).toBeNull();
  });
});
