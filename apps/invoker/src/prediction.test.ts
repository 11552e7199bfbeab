/**
 * `plainPrediction` against `PredictionResponseSchema` (the same keys, never accepting what the schema refuses) and
 * `plainErrorBody` against `ErrorBodySchema` (the same verdict and the same data, both ways).
 */
import { ErrorBodySchema, PredictionResponseSchema, PredictionSchema } from '@dogbreed/platform-spec';
import { describe, expect, it } from 'vitest';
import { ERROR_BODY_KEYS, plainErrorBody, plainPrediction, PREDICTION_RESPONSE_KEYS } from './prediction.js';

const valid = {
  predictions: [
    { label: 'beagle', index: 3, probability: 0.9 },
    { label: 'pug', index: 0, probability: 0 },
  ],
  modelVersion: 'v1',
  timingsMs: { decode: 1, preprocess: 0, inference: 2.5, total: 4 },
};
const withDog = { ...valid, dog: { probability: 1, isDog: true } };

/** Each case changes one field of a valid reply. */
const variants: [string, unknown][] = [
  ['valid', valid],
  ['with the dog verdict', withDog],
  ['no predictions', { ...valid, predictions: [] }],
  [
    'unknown keys everywhere',
    {
      ...withDog,
      extra: 1,
      timingsMs: { ...valid.timingsMs, queue: 1 },
      predictions: [{ ...valid.predictions[0], x: 1 }],
    },
  ],
  ['dog undefined', { ...valid, dog: undefined }],
  ['not an object', 'prediction'],
  ['null', null],
  ['an array', [valid]],
  ['predictions not an array', { ...valid, predictions: {} }],
  ['a prediction null', { ...valid, predictions: [null] }],
  ['label a number', { ...valid, predictions: [{ label: 1, index: 0, probability: 0.5 }] }],
  ['index negative', { ...valid, predictions: [{ label: 'a', index: -1, probability: 0.5 }] }],
  ['index fractional', { ...valid, predictions: [{ label: 'a', index: 1.5, probability: 0.5 }] }],
  ['index unsafe', { ...valid, predictions: [{ label: 'a', index: 2 ** 60, probability: 0.5 }] }],
  ['index a string', { ...valid, predictions: [{ label: 'a', index: '1', probability: 0.5 }] }],
  ['probability over 1', { ...valid, predictions: [{ label: 'a', index: 1, probability: 1.01 }] }],
  ['probability NaN', { ...valid, predictions: [{ label: 'a', index: 1, probability: Number.NaN }] }],
  ['probability missing', { ...valid, predictions: [{ label: 'a', index: 1 }] }],
  ['modelVersion missing', { ...valid, modelVersion: undefined }],
  ['timingsMs missing', { ...valid, timingsMs: undefined }],
  ['a timing negative', { ...valid, timingsMs: { ...valid.timingsMs, total: -1 } }],
  ['a timing infinite', { ...valid, timingsMs: { ...valid.timingsMs, decode: Number.POSITIVE_INFINITY } }],
  ['a timing missing', { ...valid, timingsMs: { decode: 1, preprocess: 1, inference: 1 } }],
  ['dog null', { ...valid, dog: null }],
  ['dog probability over 1', { ...valid, dog: { probability: 2, isDog: true } }],
  ['dog verdict a string', { ...valid, dog: { probability: 0.5, isDog: 'yes' } }],
];

describe('plainPrediction', () => {
  it('knows exactly the keys of PredictionResponseSchema, in its order', () => {
    const { shape } = PredictionResponseSchema;
    expect(Object.keys(shape)).toEqual(PREDICTION_RESPONSE_KEYS.response);
    expect(Object.keys(PredictionSchema.shape)).toEqual(PREDICTION_RESPONSE_KEYS.prediction);
    expect(Object.keys(shape.timingsMs.shape)).toEqual(PREDICTION_RESPONSE_KEYS.timingsMs);
    expect(Object.keys(shape.dog.unwrap().shape)).toEqual(PREDICTION_RESPONSE_KEYS.dog);
  });

  it.each(variants)('agrees with the schema: %s', (_name, value) => {
    const schema = PredictionResponseSchema.safeParse(value);
    const plain = plainPrediction(value);
    // Undefined hands the reply to the schema, so it is always safe; a value must be the schema's own result.
    if (plain !== undefined) {
      expect(schema.success).toBe(true);
      expect(JSON.stringify(plain)).toBe(JSON.stringify(schema.data));
    }
  });

  it('takes the common replies itself', () => {
    expect(plainPrediction(valid)).toEqual(valid);
    expect(plainPrediction(withDog)).toEqual(withDog);
  });
});

const errorBody = { error: { code: 'NOT_A_DOG', message: 'no dog', requestId: 'r-1' } };
/** Each case changes one field of a valid error body. */
const errorVariants: [string, unknown][] = [
  ['valid', errorBody],
  ['no request id', { error: { code: 'MODEL_BUSY', message: 'busy' } }],
  ['request id undefined', { error: { ...errorBody.error, requestId: undefined } }],
  ['unknown keys', { extra: 1, error: { ...errorBody.error, detail: 'x' } }],
  ['an empty message', { error: { code: 'A1', message: '' } }],
  ['a one-letter code', { error: { code: 'A', message: 'm' } }],
  ['a lower-case code', { error: { code: 'not_a_dog', message: 'm' } }],
  ['a code with a dash', { error: { code: 'NOT-A-DOG', message: 'm' } }],
  ['a code starting with a digit', { error: { code: '1ABC', message: 'm' } }],
  ['a code that is a number', { error: { code: 404, message: 'm' } }],
  ['no message', { error: { code: 'MODEL_BUSY' } }],
  ['a request id that is a number', { error: { ...errorBody.error, requestId: 1 } }],
  ['a request id null', { error: { ...errorBody.error, requestId: null } }],
  ['error null', { error: null }],
  ['error an array', { error: [] }],
  ['no error', { message: 'm' }],
  ['a string', 'error'],
  ['null', null],
];

describe('plainErrorBody', () => {
  it('knows exactly the keys of ErrorBodySchema, in its order', () => {
    expect(Object.keys(ErrorBodySchema.shape)).toEqual(ERROR_BODY_KEYS.body);
    expect(Object.keys(ErrorBodySchema.shape.error.shape)).toEqual(ERROR_BODY_KEYS.error);
  });

  it.each(errorVariants)('decides as the schema does: %s', (_name, value) => {
    const schema = ErrorBodySchema.safeParse(value);
    const plain = plainErrorBody(value);
    expect(plain !== undefined).toBe(schema.success);
    if (schema.success) expect(JSON.stringify(plain)).toBe(JSON.stringify(schema.data));
  });
});
