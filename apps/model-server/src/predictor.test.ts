/** The dog verdict: the threshold decides `isDog`, the policy whether a non-dog is flagged or refused. */
import { HttpError } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './error-response.js';
import { dogVerdict } from './predictor.js';

describe('dogVerdict', () => {
  it('is a dog at or above the threshold, under either policy', () => {
    for (const policy of ['flag', 'refuse'] as const) {
      expect(dogVerdict(0.5, { threshold: 0.5, policy })).toEqual({ probability: 0.5, isDog: true });
      expect(dogVerdict(0.9, { threshold: 0.5, policy })).toEqual({ probability: 0.9, isDog: true });
    }
  });

  it('flags a non-dog with isDog false', () => {
    expect(dogVerdict(0.2, { threshold: 0.5, policy: 'flag' })).toEqual({ probability: 0.2, isDog: false });
  });

  it('refuses a non-dog with 422 NOT_A_DOG naming the probability and the threshold', () => {
    let err: unknown;
    try {
      dogVerdict(0.1234, { threshold: 0.5, policy: 'refuse' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    const r = toErrorResponse(err, 'r');
    expect(r.statusCode).toBe(422);
    expect(r.logLevel).toBe('info');
    expect(r.body.error).toMatchObject({
      code: 'NOT_A_DOG',
      message: 'this photo does not look like a dog: dog probability 0.123 is below the threshold 0.5',
    });
  });
});
