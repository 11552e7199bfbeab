/** The output guard: what a model may hand back before the server answers from it, and the error when it may not. */
import { ERROR_CODES } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './error-response.js';
import { InvalidModelOutputError } from './errors.js';
import {
  checkBatchShape,
  classProbabilities,
  dogProbability,
  PROBABILITY_SUM_TOLERANCE,
} from './output-guard.js';

const logits = { numClasses: 3, output: { name: 'logits', kind: 'logits' as const } };
const probabilities = { numClasses: 3, output: { name: 'probs', kind: 'probabilities' as const } };

/** The error `fn` throws, checked to be the 500 INVALID_MODEL_OUTPUT the server answers and logs at error level. */
function invalid(fn: () => unknown): InvalidModelOutputError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidModelOutputError);
  const r = toErrorResponse(thrown, 'req-1');
  expect(r).toMatchObject({
    statusCode: 500,
    logLevel: 'error',
    body: { error: { code: 'INVALID_MODEL_OUTPUT' } },
  });
  expect(ERROR_CODES.INVALID_MODEL_OUTPUT.status).toBe(500);
  return thrown as InvalidModelOutputError;
}

describe('classProbabilities', () => {
  it('turns finite logits into a distribution and keeps a valid probabilities row as it is', () => {
    const p = classProbabilities(new Float32Array([1, 2, 3]), logits);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[2]).toBeGreaterThan(p[1] as number);
    expect(Array.from(classProbabilities([0.2, 0.3, 0.5], probabilities))).toEqual([0.2, 0.3, 0.5]);
    // Huge but finite logits are fine: softmax subtracts the max.
    expect(classProbabilities([3e38, -3e38, 0], logits)[0]).toBe(1);
  });

  it('accepts probabilities that sum to 1 within the tolerance (float32 rounding)', () => {
    const off = PROBABILITY_SUM_TOLERANCE / 2;
    expect(() => classProbabilities([0.2, 0.3, 0.5 + off], probabilities)).not.toThrow();
    expect(() => classProbabilities(new Float32Array([0.1, 0.2, 0.7]), probabilities)).not.toThrow();
  });

  it.each([
    ['NaN', [0.1, Number.NaN, 0.2], 'logits[1] is NaN'],
    ['Infinity', [Number.POSITIVE_INFINITY, 0, 0], 'logits[0] is Infinity'],
    ['-Infinity', [0, 0, Number.NEGATIVE_INFINITY], 'logits[2] is -Infinity'],
  ])('refuses logits with %s', (_name, row, message) => {
    const e = invalid(() => classProbabilities(row, logits));
    expect(e.message).toContain(message);
    expect(e.output).toBe('logits');
  });

  it.each([
    ['fewer values than classes', [0.5, 0.5], '2 values for the 3 classes'],
    ['more values than classes', [0.25, 0.25, 0.25, 0.25], '4 values for the 3 classes'],
    ['a NaN', [0.5, Number.NaN, 0.5], 'probabilities[1] is NaN'],
    ['a value below 0', [-0.2, 0.6, 0.6], 'probability[0] is -0.2, outside [0, 1]'],
    ['a value above 1', [1.5, -0.25, -0.25], 'probability[0] is 1.5, outside [0, 1]'],
    ['a sum of 0.5', [0.1, 0.2, 0.2], 'sum to 0.5'],
    ['a sum of 1.5 (sigmoid per class)', [0.5, 0.5, 0.5], 'sum to 1.5'],
    ['all zeros', [0, 0, 0], 'sum to 0'],
  ])('refuses probabilities with %s', (_name, row, message) => {
    const e = invalid(() => classProbabilities(row, probabilities));
    expect(e.message).toContain(message);
    expect(e.message).toContain("model output 'probs' is not a probability distribution");
  });

  it('checks the length of logits too', () => {
    expect(invalid(() => classProbabilities([1, 2], logits)).message).toContain('2 values for the 3 classes');
  });
});

describe('checkBatchShape', () => {
  const shape = { output: 'logits', batch: 2, width: 3, what: '3 classes' };
  it('passes [batch, width] and refuses any other shape', () => {
    expect(() => checkBatchShape({ ...shape, dims: [2, 3] })).not.toThrow();
    expect(invalid(() => checkBatchShape({ ...shape, dims: [2, 1] })).message).toBe(
      "model output 'logits' has shape [2, 1] for a batch of 2; expected [2, 3] (3 classes)",
    );
    invalid(() => checkBatchShape({ ...shape, dims: [1, 3] }));
    invalid(() => checkBatchShape({ ...shape, dims: [2, 3, 1] }));
    invalid(() => checkBatchShape({ ...shape, dims: [6] }));
  });
});

describe('dogProbability', () => {
  it('passes a probability and refuses anything else', () => {
    expect(dogProbability(0, 'dog')).toBe(0);
    expect(dogProbability(0.42, 'dog')).toBe(0.42);
    expect(dogProbability(1, 'dog')).toBe(1);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -0.01, 1.01]) {
      const e = invalid(() => dogProbability(v, 'dog_probability'));
      expect(e.message).toContain("dog output 'dog_probability' is");
      expect(e.output).toBe('dog_probability');
    }
  });
});
