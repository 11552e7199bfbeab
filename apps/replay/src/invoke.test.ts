/** Reading a model server's answer: the top-1 prediction, or an error that says why there is none. */
import { describe, expect, it } from 'vitest';
import { invocationsUrl, readAnswer } from './invoke.js';

const ok = {
  predictions: [
    { label: 'beagle', index: 3, probability: 0.8 },
    { label: 'basset', index: 1, probability: 0.1 },
  ],
  modelVersion: 'm-1',
  timingsMs: { decode: 1, preprocess: 1, inference: 1, total: 3 },
};

describe('invocationsUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/invocations'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/invocations'],
    ['http://h/endpoints/x/invocations', 'http://h/endpoints/x/invocations'],
  ])('%s → %s', (base, url) => expect(invocationsUrl(base)).toBe(url));
});

describe('readAnswer', () => {
  it('takes the first prediction as top-1', () => {
    expect(readAnswer(200, JSON.stringify(ok))).toEqual({
      ok: true,
      label: 'beagle',
      confidence: 0.8,
      modelVersion: 'm-1',
    });
  });

  it('names the error code of an error body', () => {
    const body = { error: { code: 'INVALID_IMAGE', message: 'cannot decode', requestId: 'r' } };
    expect(readAnswer(400, JSON.stringify(body))).toEqual({
      ok: false,
      error: 'HTTP 400 INVALID_IMAGE: cannot decode',
    });
  });

  it('fails on a body that is not JSON, not a prediction response, or has no predictions', () => {
    expect(readAnswer(502, '<html>')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not JSON'),
    });
    expect(readAnswer(200, '{"x":1}')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a prediction'),
    });
    expect(readAnswer(200, JSON.stringify({ ...ok, predictions: [] }))).toMatchObject({ ok: false });
  });
});
