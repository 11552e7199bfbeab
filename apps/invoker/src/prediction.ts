/**
 * The model server's reply checked without zod on the common path: `PredictionResponseSchema` costs several times
 * this on every request, and its first run (zod compiles each object schema) lands in the cold start. It only
 * ever accepts what the schema accepts, returning the same object the schema would (known keys only, in the
 * schema's order); anything else returns undefined, and the caller lets the schema decide and explain.
 * `prediction.test.ts` holds it to the schema, field by field.
 */
import type { Prediction, PredictionResponse } from '@dogbreed/platform-spec';

/** The keys of each object in the reply, in `PredictionResponseSchema`'s order (the test compares them). */
export const PREDICTION_RESPONSE_KEYS = {
  response: ['predictions', 'modelVersion', 'timingsMs', 'dog'],
  prediction: ['label', 'index', 'probability'],
  timingsMs: ['decode', 'preprocess', 'inference', 'total'],
  dog: ['probability', 'isDog'],
} as const;

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
// zod's z.number() refuses NaN and ±Infinity, so every number check starts with isFinite.
const isProbability = (v: unknown): v is number =>
  Number.isFinite(v) && (v as number) >= 0 && (v as number) <= 1;
const isDuration = (v: unknown): v is number => Number.isFinite(v) && (v as number) >= 0;

function plainItem(v: unknown): Prediction | undefined {
  if (!isObject(v)) return undefined;
  const { label, index, probability } = v;
  if (typeof label !== 'string' || !Number.isSafeInteger(index) || (index as number) < 0) return undefined;
  if (!isProbability(probability)) return undefined;
  return { label, index: index as number, probability };
}

/** The reply as `PredictionResponseSchema.parse` would return it, or undefined when unsure. */
export function plainPrediction(value: unknown): PredictionResponse | undefined {
  if (!isObject(value) || !Array.isArray(value['predictions'])) return undefined;
  const { modelVersion, timingsMs: t, dog } = value;
  if (typeof modelVersion !== 'string' || !isObject(t)) return undefined;
  if (!isDuration(t['decode']) || !isDuration(t['preprocess'])) return undefined;
  if (!isDuration(t['inference']) || !isDuration(t['total'])) return undefined;
  if (
    dog !== undefined &&
    !(isObject(dog) && isProbability(dog['probability']) && typeof dog['isDog'] === 'boolean')
  )
    return undefined;
  const predictions: Prediction[] = [];
  for (const item of value['predictions'] as unknown[]) {
    const p = plainItem(item);
    if (!p) return undefined;
    predictions.push(p);
  }
  return {
    predictions,
    modelVersion,
    timingsMs: {
      decode: t['decode'],
      preprocess: t['preprocess'],
      inference: t['inference'],
      total: t['total'],
    },
    ...(isObject(dog)
      ? { dog: { probability: dog['probability'] as number, isDog: dog['isDog'] as boolean } }
      : {}),
  };
}
